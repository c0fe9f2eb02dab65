/**
 * The suite benchmark's accounting: what the runner records as a step's waits (a new bond settling,
 * a configured window closing) against a fake target, and how splitCase/splitRun count each part.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../scenario/load.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { FakeBondTarget } from '../testing/fake-target.js';
import { sampleCase, sampleRun } from '../testing/sample-run.js';
import type { StepResult } from './results.js';
import { runCase } from './run-case.js';
import { splitCase, splitRun, TIME_SPLIT_RULES } from './time-split.js';

async function runSteps(target: FakeBondTarget, steps: string) {
  const { cases, errors } = loadScenarioText(
    `name: fake\nbond: { mode: active-backup, miimon: 100 }\nsteps:\n${steps}`,
    'fake.yaml',
  );
  expect(errors).toEqual([]);
  const kernelLog = await KernelLogCapture.start(target);
  try {
    return await runCase(target, cases[0]!, {
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

const step = (kind: string, durationMs: number, fields: Partial<StepResult> = {}): StepResult => ({
  index: 0,
  kind,
  description: kind,
  outcome: 'ok',
  durationMs,
  checks: [],
  ...fields,
});

describe("a step's waits", () => {
  it('records how long a new bond took to settle as the build step waiting, not the polling after', async () => {
    const target = new FakeBondTarget();
    // No active slave: the bond's MII is down until the "kernel" makes eth0 active 300 ms on.
    target.active = null;
    setTimeout(() => (target.active = 'eth0'), 300);
    const result = await runSteps(target, '  - build\n  - expect: { activeSlave: slave0 }\n');
    expect(result.status).toBe('passed');
    const [build, expectStep] = result.steps;
    const settleMs = build?.waits?.settleMs ?? 0;
    expect(settleMs).toBeGreaterThan(200);
    // The last unsettled reading began before the bond settled; what followed it is the harness's.
    expect(settleMs).toBeLessThan(300);
    expect(settleMs).toBeLessThan(build?.durationMs ?? 0);
    expect(expectStep?.waits).toBeUndefined();
  });

  it('records no wait for a bond that is settled at its first reading', async () => {
    const result = await runSteps(new FakeBondTarget(), '  - build\n');
    expect(result.steps[0]?.waits).toBeUndefined();
  });

  it("records the wait for a never-during window until the window's configured end", async () => {
    const result = await runSteps(
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

describe('splitCase and splitRun', () => {
  const c = sampleCase('lacp', {
    durationMs: 10_000,
    steps: [
      step('build', 3000, { waits: { settleMs: 2000 } }),
      step('traffic', 500),
      step('wait', 3000),
      step('expect', 1500, { waits: { windowMs: 1200 } }),
      step('expect', 700, { description: 'expect 1 claim(s) within 1000 ms' }),
      step('expect', 100),
    ],
  });

  it("counts settling as the kernel's, a window as configured, and leaves the rest of each step to the harness", () => {
    const split = splitCase(c);
    expect(split.configuredDelayMs).toBe(3000 + 1200);
    expect(split.kernelWaitMs).toBe(2000 + 700);
    expect(split.harness).toEqual({
      build: 1000,
      traffic: 500,
      checks: 300 + 100,
      'case set-up and teardown': 10_000 - 8800,
    });
  });

  it("gives the run's time outside its cases to the harness, and the share of the whole", () => {
    const run = splitRun(sampleRun([c], { durationMs: 12_000 }));
    expect(run.harnessByKind['VM boot, between cases, reports']).toBe(2000);
    expect(run.harnessMs).toBe(12_000 - 4200 - 2700);
    expect(run.harnessShare).toBeCloseTo(5100 / 12_000);
    expect(Object.values(run.harnessByKind).reduce((a, b) => a + b, 0)).toBe(run.harnessMs);
  });

  it('states its rules for each part', () => {
    expect(Object.keys(TIME_SPLIT_RULES)).toEqual(['configuredDelay', 'kernelWait', 'harness']);
    expect(TIME_SPLIT_RULES.kernelWait.join(' ')).toContain('settleMs');
    expect(TIME_SPLIT_RULES.configuredDelay.join(' ')).toContain('windowMs');
  });
});
