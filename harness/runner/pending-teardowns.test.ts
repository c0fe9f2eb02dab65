/**
 * A case's teardown overlapping the next case's build: handed over rather than awaited, still
 * registered for signals until done, waited for before the next bond is sampled, and a failure
 * kept for the runner. Against a fake target; the VM tests run it on a real kernel.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../scenario/load.js';
import type { ExecOptions, ExecResult } from '../target/target.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { runAll } from '../target/teardown.js';
import { FakeBondTarget } from '../testing/fake-target.js';
import { PendingTeardowns } from './pending-teardowns.js';
import { runCase } from './run-case.js';

/** A target whose namespace deletion takes `delayMs`, as it does under emulation. */
class SlowTeardownTarget extends FakeBondTarget {
  teardownsEnded = 0;
  /** Each teardown's command, as it started. */
  readonly teardownsStarted: string[] = [];
  constructor(private readonly delayMs: number) {
    super();
  }
  override async exec(argv: string[], options?: ExecOptions): Promise<ExecResult> {
    if (!argv.join(' ').includes('netns del ')) return super.exec(argv, options);
    this.teardownsStarted.push(argv.join(' '));
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const result = await super.exec(argv, options);
    this.teardownsEnded++;
    return result;
  }
}

function fakeCase(name: string) {
  const { cases, errors } = loadScenarioText(
    `name: ${name}\nbond: { mode: active-backup, miimon: 100 }\nsteps:\n  - build\n  - expect: { slaves: 2 }\n`,
    'fake.yaml',
  );
  expect(errors).toEqual([]);
  return cases[0]!;
}

async function withLog<T>(target: FakeBondTarget, run: (kernelLog: KernelLogCapture) => Promise<T>): Promise<T> {
  const kernelLog = await KernelLogCapture.start(target);
  try {
    return await run(kernelLog);
  } finally {
    await kernelLog.stop();
  }
}

describe('PendingTeardowns', () => {
  it('settles once every teardown has ended, and keeps the first failure for check()', async () => {
    const pending = new PendingTeardowns();
    let ended = 0;
    pending.add(new Promise<void>((resolve) => setTimeout(() => resolve(void ended++), 30)));
    pending.add(Promise.reject(new Error('netns del failed')));
    pending.add(Promise.reject(new Error('a later failure')));
    await pending.settled;
    expect(ended).toBe(1);
    expect(() => pending.check()).toThrow('netns del failed');
  });

  it('passes check() while nothing failed', async () => {
    const pending = new PendingTeardowns();
    pending.add(Promise.resolve());
    await pending.settled;
    expect(() => pending.check()).not.toThrow();
  });
});

describe("a case's teardown overlapping the next case's build", () => {
  it('hands the teardown over (bond deleted first), and the next case waits for it before sampling its bond', async () => {
    const target = new SlowTeardownTarget(300);
    const pending = new PendingTeardowns();
    const options = {
      runId: 'unit',
      repetition: 1,
      sampleIntervalMs: 10,
      deferTeardown: (t: Promise<void>) => pending.add(t),
    };
    await withLog(target, async (kernelLog) => {
      const first = await runCase(target, fakeCase('first'), { ...options, caseIndex: 0, kernelLog });
      expect(first.status).toBe('passed');
      // The case ended with its namespaces' deletion still running.
      expect(target.teardownsEnded).toBe(0);
      expect(target.teardownsStarted[0]).toMatch(/^sh -c ip -n bondlab-unit-0-dut link del bond0 /);
      const second = await runCase(target, fakeCase('second'), {
        ...options,
        caseIndex: 1,
        kernelLog,
        previousTeardown: pending.settled,
      });
      expect(second.status).toBe('passed');
      // Its build waited for the first case's teardown: no step of it ran before that ended.
      expect(second.steps[0]?.durationMs).toBeGreaterThan(200);
      await pending.settled;
      expect(target.teardownsEnded).toBe(2);
      pending.check();
    });
  });

  it('keeps a handed-over teardown registered for signals until it has ended', async () => {
    const target = new SlowTeardownTarget(200);
    const pending = new PendingTeardowns();
    await withLog(target, async (kernelLog) => {
      await runCase(target, fakeCase('only'), {
        runId: 'unit',
        caseIndex: 0,
        repetition: 1,
        kernelLog,
        sampleIntervalMs: 10,
        deferTeardown: (t) => pending.add(t),
      });
      expect(target.teardownsEnded).toBe(0);
      // What Ctrl-C runs: it awaits the same teardown rather than leaving it behind.
      await runAll();
      expect(target.teardownsEnded).toBe(1);
      await pending.settled;
      expect(target.teardownsEnded).toBe(1);
    });
  });

  it("without deferTeardown, awaits the teardown before the case's result (no bond deleted first)", async () => {
    const target = new SlowTeardownTarget(100);
    await withLog(target, async (kernelLog) => {
      await runCase(target, fakeCase('only'), {
        runId: 'unit',
        caseIndex: 0,
        repetition: 1,
        kernelLog,
        sampleIntervalMs: 10,
      });
      expect(target.teardownsEnded).toBe(1);
      expect(target.teardownsStarted[0]).not.toContain('link del bond0');
    });
  });
});
