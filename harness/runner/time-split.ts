/**
 * A run's wall time split into what no harness can avoid and what is the harness's own, by fixed
 * rules (TIME_SPLIT_RULES, written into bench-suite-overhead.json so that a reader sees them).
 */
import type { CaseResult, RunResult } from './results.js';

export const TIME_SPLIT_RULES = {
  configuredDelay: [
    'wait steps, whole (traffic windows run inside them)',
    "a step's waits.windowMs: waiting for a `never ... during` window the scenario configured to close (until its configured end)",
  ],
  kernelWait: [
    "a step's waits.settleMs: a new bond settling (MII up; in 802.3ad an LACP partner with every port distributing), until the last reading that found it unsettled began",
    'wait-until steps, and expect steps with `within`, whole apart from their waits: polling until the kernel reached the state',
  ],
  harness: [
    "every other step's time by its kind (expect: checks), less its waits; the polling after the last unsettled reading stays build",
    "a case's time outside its steps: case set-up and teardown",
    "the run's time outside its cases: VM boot, between cases, reports",
  ],
} as const;

export interface CaseSplit {
  configuredDelayMs: number;
  kernelWaitMs: number;
  /** The harness's own time by kind (`build`, `traffic`, `checks`, `case set-up and teardown`, ...). */
  harness: Record<string, number>;
}

/** A case's steps by what they spent their time on, by TIME_SPLIT_RULES. */
export function splitCase(c: CaseResult): CaseSplit {
  const harness: Record<string, number> = {};
  const add = (key: string, ms: number) => (harness[key] = (harness[key] ?? 0) + ms);
  let configuredDelayMs = 0;
  let kernelWaitMs = 0;
  for (const step of c.steps) {
    const windowMs = step.waits?.windowMs ?? 0;
    const settleMs = step.waits?.settleMs ?? 0;
    configuredDelayMs += windowMs;
    kernelWaitMs += settleMs;
    const rest = step.durationMs - windowMs - settleMs;
    if (step.kind === 'wait') configuredDelayMs += rest;
    else if (step.kind === 'wait-until' || (step.kind === 'expect' && step.description.includes(' within ')))
      kernelWaitMs += rest;
    else add(step.kind === 'expect' ? 'checks' : step.kind, rest);
  }
  add('case set-up and teardown', c.durationMs - c.steps.reduce((sum, s) => sum + s.durationMs, 0));
  return { configuredDelayMs, kernelWaitMs, harness };
}

export interface RunSplit {
  wallMs: number;
  configuredDelayMs: number;
  kernelWaitMs: number;
  harnessMs: number;
  /** harnessMs / wallMs. */
  harnessShare: number;
  harnessByKind: Record<string, number>;
  perCase: (CaseSplit & { name: string; durationMs: number })[];
}

/** The whole run by TIME_SPLIT_RULES: its cases' splits, and its time outside them as the harness's. */
export function splitRun(run: Pick<RunResult, 'durationMs' | 'cases'>): RunSplit {
  const perCase = run.cases.map((c) => ({ name: c.name, durationMs: c.durationMs, ...splitCase(c) }));
  const sum = (get: (c: CaseSplit) => number) => perCase.reduce((total, c) => total + get(c), 0);
  const harnessByKind: Record<string, number> = {};
  for (const c of perCase)
    for (const [key, ms] of Object.entries(c.harness)) harnessByKind[key] = (harnessByKind[key] ?? 0) + ms;
  const configuredDelayMs = sum((c) => c.configuredDelayMs);
  const kernelWaitMs = sum((c) => c.kernelWaitMs);
  harnessByKind['VM boot, between cases, reports'] = run.durationMs - perCase.reduce((t, c) => t + c.durationMs, 0);
  const harnessMs = run.durationMs - configuredDelayMs - kernelWaitMs;
  return {
    wallMs: run.durationMs,
    configuredDelayMs,
    kernelWaitMs,
    harnessMs,
    harnessShare: run.durationMs > 0 ? harnessMs / run.durationMs : 0,
    harnessByKind,
    perCase,
  };
}
