/**
 * The case runner against a fake Target (harness/testing/fake-target.ts): steps run through their
 * kinds in order, claims pass and fail on what the target shows, the kernel log joins the
 * timeline, and the topology is torn down whatever happens. Bonding itself is tested in the VM.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../scenario/load.js';
import type { ScenarioCase } from '../scenario/plan.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { FakeBondTarget } from '../testing/fake-target.js';
import { runCase } from './run-case.js';

function scenario(steps: string): ScenarioCase {
  const { cases, errors } = loadScenarioText(
    `name: fake\nbond: { mode: active-backup, miimon: 100 }\nsteps:\n${steps}`,
    'fake.yaml',
  );
  expect(errors).toEqual([]);
  const [only] = cases;
  if (!only) throw new Error('no case');
  return only;
}

async function runOn(target: FakeBondTarget, steps: string) {
  const kernelLog = await KernelLogCapture.start(target);
  try {
    return await runCase(target, scenario(steps), {
      runId: 'unit',
      caseIndex: 0,
      repetition: 1,
      kernelLog,
      sampleIntervalMs: 10,
    });
  } finally {
    await kernelLog.stop();
  }
}

const torndown = (target: FakeBondTarget) => target.commands.some((argv) => argv.join(' ').includes('netns del '));

describe('runCase', () => {
  it('runs build, a fault and claims in order, and passes what the target shows', async () => {
    const target = new FakeBondTarget();
    const result = await runOn(
      target,
      `  - build
  - expect: { activeSlave: slave0, slaves: 2 }
  - carrier-off: active
  - expect:
      activeSlave: { not: slave0 }
      slaveMii: { slave0: down }
      linkFailures: { slave0: { increasedBy: 1 } }
      log: [{ event: new-active-slave, within: 1s }]
      within: 1s
`,
    );
    expect(result.status, JSON.stringify(result.steps, null, 1)).toBe('passed');
    expect(result.steps.map((s) => s.kind)).toEqual(['build', 'expect', 'fault', 'expect']);
    // The active slave resolved to the topology's interface, and the far port of its cable went down.
    expect(result.steps[2]?.description).toBe(
      'carrier-off the active slave (the first, in modes without one) (eth0): far side p0 down (carrier lost on eth0)',
    );
    expect(result.steps[3]?.checks.map((c) => c.passed)).toEqual([true, true, true, true]);
    const kinds = new Set(result.timeline.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['fault', 'kernel', 'sample', 'step']);
    const fault = result.timeline.find((e) => e.kind === 'fault');
    // The kernel's first reaction marks when it saw the fault.
    expect(fault?.kind === 'fault' && fault.seenBy).toMatch(/link status definitely down/);
    expect(torndown(target)).toBe(true);
  });

  it('fails the case on a claim the target contradicts, keeps the /proc text, and stops there', async () => {
    const target = new FakeBondTarget();
    const result = await runOn(target, `  - carrier-off: slave0\n  - expect: { activeSlave: slave0 }\n  - wait: 1ms\n`);
    expect(result.status).toBe('failed');
    // The fault step built the topology first.
    expect(result.steps.map((s) => [s.kind, s.outcome])).toEqual([
      ['fault', 'ok'],
      ['expect', 'failed'],
    ]);
    expect(result.steps[1]?.checks[0]).toMatchObject({
      name: 'active slave is slave0 (eth0)',
      passed: false,
      expected: 'eth0',
      actual: 'eth1',
    });
    expect(result.procAtFailure).toContain('Currently Active Slave: eth1');
    expect(torndown(target)).toBe(true);
  });

  it('ends the case as an error when a step cannot run, and still tears down', async () => {
    const target = new FakeBondTarget();
    target.failing = /exit 3/;
    const result = await runOn(target, `  - build\n  - hook: { run: exit 3 }\n  - expect: { slaves: 2 }\n`);
    expect(result.status).toBe('error');
    expect(result.steps.map((s) => s.outcome)).toEqual(['ok', 'error']);
    expect(result.error).toMatch(/^step 1 \(hook: sh -c exit 3\): command failed/);
    expect(torndown(target)).toBe(true);
  });

  it('fails a wait until on timeout, naming it', async () => {
    const target = new FakeBondTarget();
    const result = await runOn(target, `  - build\n  - wait: { until: { bondMii: down }, timeout: 100ms }\n`);
    expect(result.status).toBe('failed');
    expect(result.steps[1]?.checks[0]?.name).toBe('wait until bond MII status');
  });
});

describe("a step's waits", () => {
  it('records how long a new bond took to settle as the build step waiting, not the polling after', async () => {
    const target = new FakeBondTarget();
    // No active slave: the bond's MII is down until the "kernel" makes eth0 active 300 ms on.
    target.active = null;
    setTimeout(() => (target.active = 'eth0'), 300);
    const result = await runOn(target, '  - build\n  - expect: { activeSlave: slave0 }\n');
    expect(result.status).toBe('passed');
    const [build, expectStep] = result.steps;
    const settleMs = build?.waits?.settleMs ?? 0;
    expect(settleMs).toBeGreaterThan(100);
    // The last unsettled reading began before the bond settled; what followed it is the harness's.
    expect(settleMs).toBeLessThan(300);
    expect(settleMs).toBeLessThan(build?.durationMs ?? 0);
    expect(expectStep?.waits).toBeUndefined();
  });

  it('records no wait for a bond that is settled at its first reading', async () => {
    const result = await runOn(new FakeBondTarget(), '  - build\n');
    expect(result.steps[0]?.waits).toBeUndefined();
  });

  it("records the wait for a never-during window until the window's configured end", async () => {
    const result = await runOn(
      new FakeBondTarget(),
      '  - build\n  - expect: { never: { bondMii: down }, since: now, during: 400ms }\n',
    );
    expect(result.status).toBe('passed');
    const windowMs = result.steps[1]?.waits?.windowMs ?? 0;
    expect(windowMs).toBeGreaterThan(300);
    expect(windowMs).toBeLessThanOrEqual(400);
    // The sample past the window's end and the check stay in the step, outside the wait.
    expect(result.steps[1]?.durationMs).toBeGreaterThan(windowMs);
  });
});
