/**
 * Regressions: two runs of the same scenarios (two kernels, two configurations, yesterday and
 * today) compared claim by claim and measurement by measurement. Repetitions of a case are taken
 * together: verdicts as pass rates, measurements as distributions. A measurement is a regression
 * only when it moved beyond the tolerance (noise inside it is not reported at all: under emulation
 * a few tens of ms move from run to run) AND the Mann-Whitney U test finds the move significant;
 * a move that rests on one sample, or that the test does not confirm, is reported as unconfirmed.
 */
import type { CaseResult, MeasurementUnit, RunResult } from '../runner/results.js';
import {
  earlyReactionNote,
  formatDistribution,
  formatValue,
  groupRepetitions,
  measurementValues,
  passRate,
  type ComparedAs,
} from '../runner/repeats.js';
import { passRateText } from './repeats.js';
import { distribution, mannWhitneyU, type MannWhitney } from '../runner/stats.js';

export interface Tolerance {
  /** An outage (or failover time) is worse only when it grows by more than this fraction... */
  outageRatio: number;
  /** ...and by more than this many ms. */
  outageMs: number;
  /** Loss is worse when it grows by more than outageRatio of itself and by more than this (0.02 = two percentage points). */
  lossRatio: number;
  /** Throughput is worse when it drops by more than this fraction. */
  throughputRatio: number;
  /** A measurement that moved counts only when the test's two-sided p is below this. */
  alpha: number;
}

export const DEFAULT_TOLERANCE: Tolerance = {
  outageRatio: 0.5,
  outageMs: 100,
  lossRatio: 0.02,
  throughputRatio: 0.2,
  alpha: 0.05,
};

/** How much a measurement's move rests on. */
export interface Evidence {
  baselineRuns: number;
  currentRuns: number;
  /** Current against baseline; absent when a side has a single sample. */
  test?: MannWhitney;
  /** In words, e.g. `rests on one sample (both runs): ...` or `p = 0.0079 (Mann-Whitney U, exact; 5 runs and 5 runs), effect +1.00 (...)`. */
  note: string;
}

export interface Change {
  case: string;
  /** What changed: the case's verdict, one named check, or one measurement. */
  kind: 'verdict' | 'check' | 'measurement' | 'missing' | 'added';
  what: string;
  baseline: string;
  current: string;
  /**
   * worse, better, just different (a distribution of traffic over slaves, say), or moved beyond
   * the tolerance without the evidence to call it either (one sample, or not significant).
   */
  direction: 'regression' | 'improvement' | 'changed' | 'unconfirmed';
  /** For an unconfirmed move: which way it went. */
  leaning?: 'worse' | 'better';
  /** For a measurement: the samples and the test behind the direction. */
  evidence?: Evidence;
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
  unconfirmed: number;
}

interface RunSummary {
  runId: string;
  targets: string[];
  passed: number;
  total: number;
  /** The most repetitions of any case: 1 when the run did not repeat. */
  repetitions: number;
}

function summaryOf(run: RunResult): RunSummary {
  const repetitions = Math.max(1, ...[...groupRepetitions(run.cases, false).values()].map((group) => group.length));
  return { runId: run.runId, targets: run.targets, passed: run.summary.passed, total: run.summary.total, repetitions };
}

/** Worse or better only when the change passes both the relative and the absolute tolerance. */
function moved(
  base: number,
  current: number,
  ratio: number,
  absolute: number,
): 'regression' | 'improvement' | undefined {
  if (current > base * (1 + ratio) && current - base > absolute) return 'regression';
  if (base > current * (1 + ratio) && base - current > absolute) return 'improvement';
  return undefined;
}

/** Which way the medians moved beyond the tolerance, if they did. */
function movedBeyond(
  as: ComparedAs,
  base: number,
  current: number,
  t: Tolerance,
): 'regression' | 'improvement' | undefined {
  if (as === 'time' || as === 'reaction') return moved(base, current, t.outageRatio, t.outageMs);
  if (as === 'loss') return moved(base, current, t.outageRatio, t.lossRatio);
  if (as === 'throughput' && base > 0 && Math.abs(current / base - 1) > t.throughputRatio)
    return current < base ? 'regression' : 'improvement';
  return undefined;
}

/** A case's outcome over its repetitions: `passed`, or `2/3 passed, flaky`. */
function outcomeText(group: CaseResult[]): string {
  const only = group[0];
  return group.length === 1 && only ? only.status : passRateText(passRate(group));
}

/** Each status's share of the repetitions, so that 1 of 1 and 3 of 3 passed are the same verdict. */
function shares(group: CaseResult[]): string {
  const { outcomes, runs } = passRate(group);
  return JSON.stringify(
    Object.entries(outcomes)
      .map(([status, n]) => [status, n / runs])
      .sort(),
  );
}

function verdictChange(name: string, base: CaseResult[], current: CaseResult[]): Change | undefined {
  if (shares(base) === shares(current)) return undefined;
  const [rateBefore, rateNow] = [passRate(base).passRate, passRate(current).passRate];
  const direction = rateNow < rateBefore ? 'regression' : rateNow > rateBefore ? 'improvement' : 'changed';
  return {
    case: name,
    kind: 'verdict',
    what: 'verdict',
    baseline: outcomeText(base),
    current: outcomeText(current),
    direction,
  };
}

/** Whether every check of these cases has an id: results written before ids existed are keyed by name. */
function haveIds(group: CaseResult[]): boolean {
  return group.every((c) => c.steps.every((step) => step.checks.every((check) => check.id !== undefined)));
}

interface CheckTally {
  step: number;
  /** The check's name as first seen, for people. */
  name: string;
  held: number;
  runs: number;
  actual: string;
}

/** Each check over the repetitions, by step and claim id (or name): how often it held, and what it measured when it last failed (or held). */
function checksOf(group: CaseResult[], byId: boolean): Map<string, CheckTally> {
  const checks = new Map<string, CheckTally>();
  for (const c of group) {
    for (const step of c.steps) {
      for (const check of step.checks) {
        const key = `step ${step.index}: ${byId ? check.id : check.name}`;
        const entry = checks.get(key) ?? { step: step.index, name: check.name, held: 0, runs: 0, actual: check.actual };
        entry.runs++;
        if (check.passed) entry.held++;
        if (!check.passed || entry.held === entry.runs) entry.actual = check.actual;
        checks.set(key, entry);
      }
    }
  }
  return checks;
}

function checkChanges(name: string, base: CaseResult[], current: CaseResult[]): Change[] {
  const byId = haveIds(base) && haveIds(current);
  const before = checksOf(base, byId);
  const changes: Change[] = [];
  const text = (c: CheckTally) =>
    c.runs === 1
      ? `${c.held ? 'held' : 'failed'}: ${c.actual}`
      : `held ${c.held}/${c.runs}${c.held < c.runs ? `, failed: ${c.actual}` : ''}`;
  for (const [key, now] of checksOf(current, byId)) {
    const was = before.get(key);
    if (!was || was.held / was.runs === now.held / now.runs) continue;
    changes.push({
      case: name,
      kind: 'check',
      what: `step ${now.step}: ${now.name}`,
      baseline: text(was),
      current: text(now),
      direction: now.held / now.runs > was.held / was.runs ? 'improvement' : 'regression',
    });
  }
  return changes;
}

function plural(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/** The direction a move beyond the tolerance earns from its evidence. */
function judged(
  beyond: 'regression' | 'improvement',
  base: number[],
  current: number[],
  alpha: number,
): Pick<Change, 'direction' | 'leaning' | 'evidence'> {
  const runs = { baselineRuns: base.length, currentRuns: current.length };
  const leaning = beyond === 'regression' ? 'worse' : 'better';
  if (base.length < 2 || current.length < 2) {
    const which =
      base.length < 2 && current.length < 2 ? 'both runs' : base.length < 2 ? 'the baseline' : 'the current run';
    return {
      direction: 'unconfirmed',
      leaning,
      evidence: { ...runs, note: `rests on one sample (${which}): repeat with --repeat 5 or more to test it` },
    };
  }
  const test = mannWhitneyU(current, base);
  const stated = `p = ${test.p.toPrecision(2)} (Mann-Whitney U, ${test.method}; ${plural(base.length)} and ${plural(current.length)}), effect ${test.effect >= 0 ? '+' : ''}${test.effect.toFixed(2)} (rank-biserial, + = current higher)`;
  if (test.p < alpha) return { direction: beyond, evidence: { ...runs, test, note: stated } };
  return {
    direction: 'unconfirmed',
    leaning,
    evidence: { ...runs, test, note: `not significant at ${alpha}: ${stated}` },
  };
}

/** Whether any repetition saw it (duplicates, reordering): `0`, or `3 (2 of 3 runs)`. */
function presenceText(values: number[]): string {
  const seen = values.filter((v) => v > 0).length;
  return values.length === 1
    ? String(values[0])
    : `${Math.max(...values)} at most (${seen} of ${plural(values.length)})`;
}

function shown(unit: MeasurementUnit, as: ComparedAs | undefined, values: number[]): string {
  const note = as === 'reaction' ? earlyReactionNote(values) : undefined;
  return `${formatDistribution(unit, distribution(values))}${note ? ` (${note})` : ''}`;
}

function measurementChanges(name: string, base: CaseResult[], current: CaseResult[], t: Tolerance): Change[] {
  const before = measurementValues(base);
  const changes: Change[] = [];
  for (const [what, now] of measurementValues(current)) {
    const was = before.get(what);
    const as = now.comparedAs;
    if (!was || !as) continue;
    const change = { case: name, kind: 'measurement' as const, what };
    if (as === 'presence') {
      if (was.values.some((v) => v > 0) !== now.values.some((v) => v > 0))
        changes.push({
          ...change,
          baseline: presenceText(was.values),
          current: presenceText(now.values),
          direction: 'changed',
        });
      continue;
    }
    if (as === 'changed') {
      if (distribution(was.values).median !== distribution(now.values).median)
        changes.push({
          ...change,
          baseline: shown(was.unit, as, was.values),
          current: shown(now.unit, as, now.values),
          direction: 'changed',
        });
      continue;
    }
    // A reaction before the fault's command returned is "at once": negative times count as zero.
    const clamp = (values: number[]) => (as === 'reaction' ? values.map((v) => Math.max(0, v)) : values);
    const [baseValues, currentValues] = [clamp(was.values), clamp(now.values)];
    const beyond = movedBeyond(as, distribution(baseValues).median, distribution(currentValues).median, t);
    if (!beyond) continue;
    changes.push({
      ...change,
      baseline: shown(was.unit, as, was.values),
      current: shown(now.unit, as, now.values),
      ...judged(beyond, baseValues, currentValues, t.alpha),
    });
  }
  return changes;
}

export function compareRuns(
  baseline: RunResult,
  current: RunResult,
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): Comparison {
  const before = groupRepetitions(baseline.cases, false);
  const after = groupRepetitions(current.cases, false);
  const changes: Change[] = [];
  let compared = 0;
  for (const [name, group] of after) {
    const old = before.get(name);
    if (!old) {
      changes.push({
        case: name,
        kind: 'added',
        what: 'case',
        baseline: 'not run',
        current: outcomeText(group),
        direction: 'changed',
      });
      continue;
    }
    compared++;
    const verdict = verdictChange(name, old, group);
    const found = [
      ...(verdict ? [verdict] : []),
      ...checkChanges(name, old, group),
      ...measurementChanges(name, old, group, tolerance),
    ];
    // An inconclusive repetition on either side proves nothing either way: its moves are changes, never regressions or improvements.
    const undecided = [...old, ...group].some((c) => c.status === 'inconclusive');
    changes.push(...(undecided ? found.map((change): Change => ({ ...change, direction: 'changed' })) : found));
  }
  for (const [name, group] of before) {
    if (!after.has(name))
      changes.push({
        case: name,
        kind: 'missing',
        what: 'case',
        baseline: outcomeText(group),
        current: 'not run',
        direction: 'changed',
      });
  }
  const count = (direction: Change['direction']) => changes.filter((c) => c.direction === direction).length;
  return {
    baseline: summaryOf(baseline),
    current: summaryOf(current),
    tolerance,
    compared,
    changes,
    regressions: count('regression'),
    improvements: count('improvement'),
    unconfirmed: count('unconfirmed'),
  };
}

const ORDER: Change['direction'][] = ['regression', 'improvement', 'unconfirmed', 'changed'];

function sorted(comparison: Comparison): Change[] {
  return [...comparison.changes].sort((a, b) => ORDER.indexOf(a.direction) - ORDER.indexOf(b.direction));
}

const label = (change: Change) => (change.leaning ? `${change.direction} (${change.leaning})` : change.direction);

function headline(c: Comparison): string {
  const side = (s: RunSummary) =>
    `${s.runId} (${s.targets.join(', ')}; ${s.passed}/${s.total} passed${s.repetitions > 1 ? `; up to ${s.repetitions} repetitions a case` : ''})`;
  const lines = [
    `baseline ${side(c.baseline)}`,
    `current  ${side(c.current)}`,
    `${c.compared} case(s) compared: ${c.regressions} regression(s), ${c.improvements} improvement(s), ${c.unconfirmed} unconfirmed, ${c.changes.length - c.regressions - c.improvements - c.unconfirmed} other change(s)`,
  ];
  if (Math.min(c.baseline.repetitions, c.current.repetitions) < 2) {
    lines.push(
      'A run without repetitions gives one sample per measurement: a measurement that moved rests on one sample and is reported as unconfirmed, not as a regression. Run both with --repeat 5 or more to test it.',
    );
  }
  return lines.join('\n');
}

const percent = (ratio: number) => formatValue('ratio', ratio);

export function comparisonText(c: Comparison): string {
  const lines = [headline(c)];
  for (const change of sorted(c)) {
    lines.push(
      `${label(change).padEnd(11)} ${change.case}: ${change.what}: ${change.baseline} -> ${change.current}${change.evidence ? `; ${change.evidence.note}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function comparisonMarkdown(c: Comparison): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `## bondlab compare`,
    '',
    ...headline(c)
      .split('\n')
      .map((line) => `${line}  `),
    '',
  ];
  const tolerance = c.tolerance;
  lines.push(
    `Tolerance: outage and failover time +${tolerance.outageRatio * 100}% and +${tolerance.outageMs} ms, loss +${tolerance.outageRatio * 100}% and +${percent(tolerance.lossRatio)}, throughput -${tolerance.throughputRatio * 100}% (medians over repetitions); a measurement is a regression only when the Mann-Whitney U test also gives p < ${tolerance.alpha}.`,
    '',
  );
  if (c.changes.length === 0) return `${lines.join('\n')}No changes beyond the tolerance.\n`;
  lines.push('| | case | what | baseline | current | evidence |', '| --- | --- | --- | --- | --- | --- |');
  for (const change of sorted(c)) {
    lines.push(
      `| ${label(change)} | ${cell(change.case)} | ${cell(change.what)} | ${cell(change.baseline)} | ${cell(change.current)} | ${cell(change.evidence?.note ?? '')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
