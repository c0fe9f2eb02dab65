/** Repeated cases for people: pass rate, flakiness and the headline measurements' spread. */
import { formatDistribution, repeatsOf } from '../runner/repeats.js';
import type { CaseRepeats, MeasurementDistribution, RunResult } from '../runner/results.js';

/** `2/3 passed, 1 failed, flaky`. */
export function passRateText(r: Pick<CaseRepeats, 'runs' | 'outcomes' | 'flaky'>): string {
  const others = Object.entries(r.outcomes)
    .filter(([status]) => status !== 'passed')
    .map(([status, n]) => `${n} ${status}`);
  return [`${r.outcomes.passed ?? 0}/${r.runs} passed`, ...others, ...(r.flaky ? ['flaky'] : [])].join(', ');
}

/** A measurement's distribution in words, with the note that explains odd values (n=1: measured in one repetition only). */
export function measurementText(m: MeasurementDistribution): string {
  return `${formatDistribution(m.unit, m)}${m.n === 1 ? ' (n=1)' : ''}${m.note ? ` (${m.note})` : ''}`;
}

/** For the command line: one line per repeated case, its headline measurements indented below. */
export function repeatsText(run: RunResult): string | undefined {
  const repeats = repeatsOf(run);
  if (!repeats) return undefined;
  const lines = ['repeats:'];
  for (const r of repeats) {
    lines.push(`  ${r.name}: ${passRateText(r)}`);
    for (const m of r.measurements.filter((x) => x.headline)) lines.push(`    ${m.name}: ${measurementText(m)}`);
  }
  return lines.join('\n');
}
