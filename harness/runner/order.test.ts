import { describe, expect, it } from 'vitest';
import { loadScenarioFiles } from '../scenario/load.js';
import type { ScenarioCase } from '../scenario/plan.js';
import { caseCost, estimateCaseMs, longestFirst } from './order.js';

/** N workers taking items in the given order, each the next when it is free: the results by ordinal, and the last end. */
function simulate(order: { ordinal: number; ms: number }[], workers: number): { results: number[]; makespan: number } {
  const free = new Array<number>(workers).fill(0);
  const results: number[] = [];
  for (const item of order) {
    const worker = free.indexOf(Math.min(...free));
    free[worker] = (free[worker] ?? 0) + item.ms;
    results[item.ordinal] = item.ordinal;
  }
  return { results, makespan: Math.max(...free) };
}

describe('longest first', () => {
  it('sorts by cost, equal costs in their given order', () => {
    const items = [
      { name: 'a', ms: 1 },
      { name: 'b', ms: 5 },
      { name: 'c', ms: 1 },
      { name: 'd', ms: 5 },
      { name: 'e', ms: 3 },
    ];
    expect(longestFirst(items, (i) => i.ms).map((i) => i.name)).toEqual(['b', 'd', 'e', 'a', 'c']);
  });

  it("takes the suite's long mode-matrix cases first, and shortens two workers' run with results still in listed order", async () => {
    const { cases, errors } = await loadScenarioFiles(['scenarios/suite']);
    expect(errors).toEqual([]);
    const matrix = cases.filter((c) => c.scenario === 'mode-matrix');
    expect(matrix.length).toBe(7);
    // Listed last in the suite, taken first.
    expect(cases.slice(-7)).toEqual(matrix);
    const items = cases.map((scenarioCase, ordinal) => ({ ordinal, scenarioCase, ms: estimateCaseMs(scenarioCase) }));
    const ordered = longestFirst(items, (i) => i.ms);
    expect(ordered.slice(0, 7).map((i) => i.scenarioCase)).toEqual(matrix);
    const listed = simulate(items, 2);
    const longest = simulate(ordered, 2);
    expect(longest.results).toEqual(cases.map((_, i) => i));
    expect(longest.makespan).toBeLessThan(listed.makespan);
    // Within one case's cost of the perfect split.
    const total = items.reduce((t, i) => t + i.ms, 0);
    expect(longest.makespan - total / 2).toBeLessThan(Math.min(...items.map((i) => i.ms)));
  });
});

describe('case cost', () => {
  const step = (kind: 'build' | 'expect') => ({ kind, claims: [], withinMs: 0, at: { file: 'x', line: 1, column: 1 } });
  const plan = (name: string, waits: number[]): ScenarioCase =>
    ({
      name,
      steps: [step('build'), ...waits.map((ms) => ({ kind: 'wait', ms, at: { file: 'x', line: 1, column: 1 } }))],
    }) as unknown as ScenarioCase;
  const short = plan('short', [500]);
  const long = plan('long', [5000, 5000]);
  const unknown = plan('unknown', [2000]);

  it('estimates from configured waits and steps', () => {
    expect(estimateCaseMs(long)).toBeGreaterThan(estimateCaseMs(unknown));
    expect(estimateCaseMs(unknown)).toBeGreaterThan(estimateCaseMs(short));
    expect(estimateCaseMs(long) - estimateCaseMs(short)).toBe(9500 + 50);
  });

  it('uses recorded durations where known, and scales the estimates of the others to them', () => {
    // Recorded twice the estimate: an unrecorded case counts as twice its estimate too.
    const durations = new Map([
      ['short', 2 * estimateCaseMs(short)],
      ['long', 2 * estimateCaseMs(long)],
    ]);
    const cost = caseCost([short, long, unknown], durations);
    expect(cost(short)).toBe(durations.get('short'));
    expect(cost(unknown)).toBeCloseTo(2 * estimateCaseMs(unknown));
    // A recording can reverse the estimate's order.
    const reversed = caseCost(
      [short, long],
      new Map([
        ['short', 60_000],
        ['long', 20_000],
      ]),
    );
    expect(longestFirst([long, short], reversed)).toEqual([short, long]);
    expect(caseCost([short])(short)).toBe(estimateCaseMs(short));
  });
});
