/**
 * Repetitions as distributions: every number a case measured, named the same way in every
 * repetition, so that `--repeat` can report a pass rate and each measurement's median and spread,
 * and `compare` can test whether a measurement moved.
 */
import { distribution } from './stats.js';
import type { CaseRepeats, CaseResult, MeasurementDistribution, MeasurementUnit } from './results.js';

/**
 * How `compare` judges a measurement: a time, a failover reaction (negative = at once), a loss
 * ratio, a throughput, whether any occurred at all, or a plain change of value.
 */
export type ComparedAs = 'time' | 'reaction' | 'loss' | 'throughput' | 'presence' | 'changed';

export interface Measurement {
  name: string;
  unit: MeasurementUnit;
  value: number;
  /** Absent: reported in the repeats summary, not compared. */
  comparedAs?: ComparedAs;
  /** One of the few numbers a summary shows: outage, loss, failover times, throughput. */
  headline: boolean;
}

const HEADLINES = new Set<ComparedAs | undefined>(['time', 'reaction', 'loss', 'throughput']);

/** Slaves that carry at least a tenth of a fair share: the same rule the balance claims use. */
function carrying(shares: number[]): number {
  const fair = 1 / Math.max(1, shares.length);
  return shares.filter((share) => share >= fair / 10).length;
}

export function measurementsOf(c: CaseResult): Measurement[] {
  const out: Measurement[] = [];
  const add = (
    name: string,
    unit: MeasurementUnit,
    value: number,
    comparedAs?: ComparedAs,
    headline = HEADLINES.has(comparedAs),
  ) => out.push({ name, unit, value, comparedAs, headline });
  c.traffic.forEach((w, i) => {
    const at = `traffic window ${i + 1}`;
    add(`${at}: outage`, 'ms', w.totals.outageMs, 'time');
    add(`${at}: loss`, 'ratio', w.totals.lossRatio, 'loss');
    add(`${at}: duplicates`, 'count', w.totals.duplicates, 'presence');
    add(`${at}: reordered`, 'count', w.totals.reordered, 'presence');
    add(`${at}: longest delivery gap`, 'ms', w.totals.deliveryGapMs);
    add(`${at}: probe rate achieved`, 'pps', w.achievedPps);
    for (const direction of ['tx', 'rx'] as const) {
      const shares = w.perSlave.map((s) => (direction === 'tx' ? s.txShare : s.rxShare));
      add(`${at}: ${direction} slaves carrying traffic`, 'slaves', carrying(shares), 'changed');
      w.perSlave.forEach((s, k) => add(`${at}: ${s.slave} ${direction} share`, 'ratio', shares[k] ?? 0));
    }
  });
  c.failovers.forEach((f, i) => {
    const at = `failover ${i + 1} (${f.fault})`;
    if (f.stateChangeMs !== undefined) add(`${at}: state change`, 'ms', f.stateChangeMs, 'reaction');
    if (f.deliveryRestoredMs !== undefined)
      add(`${at}: delivery restored`, 'ms', f.deliveryRestoredMs, undefined, true);
  });
  c.throughput.forEach((t, i) => {
    add(`throughput ${i + 1}`, 'bit/s', t.totalBps, 'throughput');
    add(`throughput ${i + 1}: factor over one link`, 'factor', t.factor);
  });
  return out;
}

/** Each measurement's values over the given repetitions, in first-seen order of names. */
export function measurementValues(
  cases: CaseResult[],
): Map<string, Omit<Measurement, 'name' | 'value'> & { values: number[] }> {
  const byName = new Map<string, Omit<Measurement, 'name' | 'value'> & { values: number[] }>();
  for (const c of cases) {
    for (const m of measurementsOf(c)) {
      const entry = byName.get(m.name) ?? { unit: m.unit, comparedAs: m.comparedAs, headline: m.headline, values: [] };
      entry.values.push(m.value);
      byName.set(m.name, entry);
    }
  }
  return byName;
}

/** Outcome counts, pass rate and flakiness of one case's repetitions. */
export function passRate(cases: CaseResult[]): Pick<CaseRepeats, 'runs' | 'outcomes' | 'passRate' | 'flaky'> {
  const outcomes: CaseRepeats['outcomes'] = {};
  for (const c of cases) outcomes[c.status] = (outcomes[c.status] ?? 0) + 1;
  const passed = outcomes.passed ?? 0;
  return {
    runs: cases.length,
    outcomes,
    passRate: cases.length ? passed / cases.length : 0,
    flaky: passed > 0 && (outcomes.failed ?? 0) > 0,
  };
}

/** Which repetitions belong together in one run: same case name, same target. */
export function repetitionKey(c: { name: string; target: string }): string {
  return `${c.name}\u0000${c.target}`;
}

/** Cases grouped by name (and target, when a run spans kernels), in run order. */
export function groupRepetitions(cases: CaseResult[], byTarget: boolean): Map<string, CaseResult[]> {
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const key = byTarget ? repetitionKey(c) : c.name;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return groups;
}

/** The run's repeats section, or undefined when no case ran more than once. */
export function summarizeRepeats(cases: CaseResult[]): CaseRepeats[] | undefined {
  const groups = [...groupRepetitions(cases, true).values()];
  if (!groups.some((group) => group.length > 1)) return undefined;
  return groups.map((group) => {
    const first = group[0] as CaseResult;
    const measurements = [...measurementValues(group)].map(
      ([name, { unit, comparedAs, headline, values }]): MeasurementDistribution => {
        const note = comparedAs === 'reaction' ? earlyReactionNote(values) : undefined;
        return { name, unit, headline, ...distribution(values), ...(note ? { note } : {}) };
      },
    );
    return {
      name: first.name,
      scenario: first.scenario,
      file: first.file,
      target: first.target,
      ...passRate(group),
      measurements,
    };
  });
}

/** The run's repeats: as stored, or computed for a results file written before they were. */
export function repeatsOf(run: { cases: CaseResult[]; repeats?: CaseRepeats[] }): CaseRepeats[] | undefined {
  return run.repeats ?? summarizeRepeats(run.cases);
}

const REACTED_EARLY = "the kernel reacted before the fault's command returned";

/** A value in its unit, for people. */
export function formatValue(unit: MeasurementUnit, value: number): string {
  switch (unit) {
    case 'ms':
      return `${value.toFixed(0)} ms`;
    case 'ratio':
      return `${(value * 100).toFixed(2)}%`;
    case 'bit/s':
      return `${(value / 1e6).toFixed(0)} Mbit/s`;
    case 'factor':
      return `${value.toFixed(2)}x`;
    case 'pps':
      return `${value.toFixed(0)} pps`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** One value, or a distribution as `median 120 ms (0 ms to 176 ms, IQR 60 ms, n=3)`. */
export function formatDistribution(
  unit: MeasurementUnit,
  d: { n: number; median: number; min: number; max: number; iqr: number },
): string {
  if (d.n === 1) return formatValue(unit, d.median);
  return `median ${formatValue(unit, d.median)} (${formatValue(unit, d.min)} to ${formatValue(unit, d.max)}, IQR ${formatValue(unit, d.iqr)}, n=${d.n})`;
}

/** Explains negative failover reactions (state change before the fault's command returned) wherever they are shown. */
export function earlyReactionNote(values: number[]): string | undefined {
  const early = values.filter((v) => v < 0).length;
  if (early === 0) return undefined;
  return values.length === 1 ? REACTED_EARLY : `${early} of ${values.length} negative: ${REACTED_EARLY}`;
}
