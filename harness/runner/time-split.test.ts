/**
 * The suite benchmark's accounting: how splitCase/splitRun count each part of a run's time (the
 * runner's recording of a step's waits is tested in run-case.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { sampleCase, sampleRun } from '../testing/sample-run.js';
import type { StepResult } from './results.js';
import { splitCase, splitRun, TIME_SPLIT_RULES } from './time-split.js';

const step = (kind: string, durationMs: number, fields: Partial<StepResult> = {}): StepResult => ({
  index: 0,
  kind,
  description: kind,
  outcome: 'ok',
  durationMs,
  checks: [],
  ...fields,
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
