/**
 * Regressions: two runs of the same scenarios (two kernels, two configurations, yesterday and
 * today) compared claim by claim and measurement by measurement. A change is a regression when a
 * claim stops holding or a measurement gets worse beyond the tolerance; noise inside the
 * tolerance is not reported at all, because under emulation a few tens of ms move from run to run.
 */
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/engine.js';

export interface Tolerance {
  /** An outage (or failover time) is worse only when it grows by more than this fraction... */
  outageRatio: number;
  /** ...and by more than this many ms. */
  outageMs: number;
  /** Loss is worse when it grows by more than outageRatio of itself and by more than this (0.02 = two percentage points). */
  lossRatio: number;
  /** Throughput is worse when it drops by more than this fraction. */
  throughputRatio: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { outageRatio: 0.5, outageMs: 100, lossRatio: 0.02, throughputRatio: 0.2 };

export interface Change {
  case: string;
  /** What changed: the case's verdict, one named check, or one measurement. */
  kind: 'verdict' | 'check' | 'measurement' | 'missing' | 'added';
  what: string;
  baseline: string;
  current: string;
  /** worse, better, or just different (a distribution of traffic over slaves, say). */
  direction: 'regression' | 'improvement' | 'changed';
}

export interface Comparison {
  baseline: RunSummary;
  current: RunSummary;
  tolerance: Tolerance;
  /** Cases present in both runs. */
  compared: number;
  changes: Change[];
  regressions: number;
  improvements: number;
}

interface RunSummary {
  runId: string;
  targets: string[];
  passed: number;
  total: number;
}

const summaryOf = (run: RunResult): RunSummary => ({ runId: run.runId, targets: run.targets, passed: run.summary.passed, total: run.summary.total });

/** Cases are matched by name and repetition; the target differs when kernels are compared. */
function key(c: CaseResult): string {
  return c.repetition > 1 ? `${c.name} #${c.repetition}` : c.name;
}

function checksOf(c: CaseResult): Map<string, { passed: boolean; actual: string }> {
  const checks = new Map<string, { passed: boolean; actual: string }>();
  for (const step of c.steps) for (const check of step.checks) checks.set(`step ${step.index}: ${check.name}`, { passed: check.passed, actual: check.actual });
  return checks;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(2)}%`;

/** Worse or better only when the change passes both the relative and the absolute tolerance. */
function moved(base: number, current: number, ratio: number, absolute: number): 'regression' | 'improvement' | undefined {
  if (current > base * (1 + ratio) && current - base > absolute) return 'regression';
  if (base > current * (1 + ratio) && base - current > absolute) return 'improvement';
  return undefined;
}

function worseTime(base: number, current: number, t: Tolerance): 'regression' | 'improvement' | undefined {
  return moved(base, current, t.outageRatio, t.outageMs);
}

/** Slaves that carry at least a tenth of a fair share: the same rule the balance claims use. */
function carrying(window: TrafficWindow, direction: 'tx' | 'rx'): number {
  const fair = 1 / Math.max(1, window.perSlave.length);
  return window.perSlave.filter((s) => (direction === 'tx' ? s.txShare : s.rxShare) >= fair / 10).length;
}

function windowChanges(name: string, index: number, base: TrafficWindow, current: TrafficWindow, t: Tolerance): Change[] {
  const changes: Change[] = [];
  const add = (what: string, baseline: string, now: string, direction: Change['direction']) =>
    changes.push({ case: name, kind: 'measurement', what: `traffic window ${index + 1}: ${what}`, baseline, current: now, direction });
  const outage = worseTime(base.totals.outageMs, current.totals.outageMs, t);
  if (outage) add('outage', ms(base.totals.outageMs), ms(current.totals.outageMs), outage);
  const loss = moved(base.totals.lossRatio, current.totals.lossRatio, t.outageRatio, t.lossRatio);
  if (loss) add('loss', percent(base.totals.lossRatio), percent(current.totals.lossRatio), loss);
  for (const field of ['duplicates', 'reordered'] as const) {
    if ((base.totals[field] > 0) !== (current.totals[field] > 0)) add(field, String(base.totals[field]), String(current.totals[field]), 'changed');
  }
  for (const direction of ['tx', 'rx'] as const) {
    const [before, now] = [carrying(base, direction), carrying(current, direction)];
    if (before !== now) add(`${direction} slaves carrying traffic`, `${before} of ${base.perSlave.length}`, `${now} of ${current.perSlave.length}`, 'changed');
  }
  return changes;
}

function caseChanges(base: CaseResult, current: CaseResult, t: Tolerance): Change[] {
  const name = key(current);
  const changes: Change[] = [];
  if (base.status !== current.status) {
    changes.push({ case: name, kind: 'verdict', what: 'verdict', baseline: base.status, current: current.status, direction: verdictDirection(base.status, current.status) });
  }
  const before = checksOf(base);
  for (const [check, now] of checksOf(current)) {
    const was = before.get(check);
    if (was && was.passed !== now.passed) {
      changes.push({ case: name, kind: 'check', what: check, baseline: `${was.passed ? 'held' : 'failed'}: ${was.actual}`, current: `${now.passed ? 'held' : 'failed'}: ${now.actual}`, direction: now.passed ? 'improvement' : 'regression' });
    }
  }
  current.traffic.forEach((window, i) => {
    const old = base.traffic[i];
    if (old) changes.push(...windowChanges(name, i, old, window, t));
  });
  current.failovers.forEach((failover, i) => {
    const old = base.failovers[i];
    if (old?.stateChangeMs === undefined || failover.stateChangeMs === undefined) return;
    // Negative times only say the fault's command returned after the kernel had reacted: both are "at once".
    const direction = worseTime(Math.max(0, old.stateChangeMs), Math.max(0, failover.stateChangeMs), t);
    if (direction) changes.push({ case: name, kind: 'measurement', what: `failover ${i + 1} (${failover.fault}): state change`, baseline: ms(old.stateChangeMs), current: ms(failover.stateChangeMs), direction });
  });
  current.throughput.forEach((result, i) => {
    const old = base.throughput[i];
    if (!old || old.totalBps === 0) return;
    const ratio = result.totalBps / old.totalBps - 1;
    if (Math.abs(ratio) > t.throughputRatio) {
      const mbps = (bps: number) => `${(bps / 1e6).toFixed(0)} Mbit/s`;
      changes.push({ case: name, kind: 'measurement', what: `throughput ${i + 1}`, baseline: mbps(old.totalBps), current: mbps(result.totalBps), direction: ratio < 0 ? 'regression' : 'improvement' });
    }
  });
  // A disturbed measurement on either side cannot show a regression or an improvement: its moves are only changes.
  const undecided = base.status === 'inconclusive' || current.status === 'inconclusive';
  return undecided ? changes.map((change) => ({ ...change, direction: 'changed' })) : changes;
}

/** An inconclusive verdict proves nothing either way: a move to or from it is a change, never a regression or an improvement. */
function verdictDirection(base: CaseResult['status'], current: CaseResult['status']): 'improvement' | 'regression' | 'changed' {
  if (base === 'inconclusive' || current === 'inconclusive') return 'changed';
  return current === 'passed' ? 'improvement' : base === 'passed' ? 'regression' : 'changed';
}

export function compareRuns(baseline: RunResult, current: RunResult, tolerance: Tolerance = DEFAULT_TOLERANCE): Comparison {
  const before = new Map(baseline.cases.map((c) => [key(c), c]));
  const after = new Map(current.cases.map((c) => [key(c), c]));
  const changes: Change[] = [];
  let compared = 0;
  for (const [name, c] of after) {
    const old = before.get(name);
    if (!old) {
      changes.push({ case: name, kind: 'added', what: 'case', baseline: 'not run', current: c.status, direction: 'changed' });
      continue;
    }
    compared++;
    changes.push(...caseChanges(old, c, tolerance));
  }
  for (const [name, c] of before) {
    if (!after.has(name)) changes.push({ case: name, kind: 'missing', what: 'case', baseline: c.status, current: 'not run', direction: 'changed' });
  }
  return {
    baseline: summaryOf(baseline),
    current: summaryOf(current),
    tolerance,
    compared,
    changes,
    regressions: changes.filter((c) => c.direction === 'regression').length,
    improvements: changes.filter((c) => c.direction === 'improvement').length,
  };
}

const ORDER: Change['direction'][] = ['regression', 'improvement', 'changed'];

function sorted(comparison: Comparison): Change[] {
  return [...comparison.changes].sort((a, b) => ORDER.indexOf(a.direction) - ORDER.indexOf(b.direction));
}

function headline(c: Comparison): string {
  const side = (s: RunSummary) => `${s.runId} (${s.targets.join(', ')}; ${s.passed}/${s.total} passed)`;
  return `baseline ${side(c.baseline)}\ncurrent  ${side(c.current)}\n${c.compared} case(s) compared: ${c.regressions} regression(s), ${c.improvements} improvement(s), ${c.changes.length - c.regressions - c.improvements} other change(s)`;
}

export function comparisonText(c: Comparison): string {
  const lines = [headline(c)];
  for (const change of sorted(c)) lines.push(`${change.direction.padEnd(11)} ${change.case}: ${change.what}: ${change.baseline} -> ${change.current}`);
  return `${lines.join('\n')}\n`;
}

export function comparisonMarkdown(c: Comparison): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`## bondlab compare`, '', ...headline(c).split('\n').map((line) => `${line}  `), ''];
  const tolerance = c.tolerance;
  lines.push(`Tolerance: outage and failover time +${tolerance.outageRatio * 100}% and +${tolerance.outageMs} ms, loss +${tolerance.outageRatio * 100}% and +${percent(tolerance.lossRatio)}, throughput -${tolerance.throughputRatio * 100}%.`, '');
  if (c.changes.length === 0) return `${lines.join('\n')}No changes beyond the tolerance.\n`;
  lines.push('| | case | what | baseline | current |', '| --- | --- | --- | --- | --- |');
  for (const change of sorted(c)) lines.push(`| ${change.direction} | ${cell(change.case)} | ${cell(change.what)} | ${cell(change.baseline)} | ${cell(change.current)} |`);
  return `${lines.join('\n')}\n`;
}
