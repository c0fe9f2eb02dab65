/**
 * Shards: one part of a suite per CI job, as Playwright's and Vitest's `--shard i/n`. Every job
 * computes the same split from the case names alone (and from the same recorded durations), so the
 * shards together run every case exactly once without talking to each other.
 */
import { createHash } from 'node:crypto';
import type { RunResult } from './results.js';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** `i/n` with 1 <= i <= n, both whole numbers; anything else is an error in words. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new Error(`expected i/n (e.g. 2/3), not "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 10_000) throw new Error(`the shard count must be from 1 to 10000, not ${count}`);
  if (index < 1 || index > count) throw new Error(`the shard index must be from 1 to ${count}, not ${index}`);
  return { index, count };
}

/** A stable pseudo-random order of names: not the listing order, so that neighbouring (similar) cases spread over shards. */
function nameKey(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Mean recorded duration per case name (repetitions and retries of a case count as one case's runs). */
export function recordedDurations(run: RunResult): Map<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const result of run.cases) {
    const sum = sums.get(result.name) ?? { total: 0, n: 0 };
    sum.total += result.durationMs + (result.attempts ?? []).reduce((t, a) => t + a.durationMs, 0);
    sum.n++;
    sums.set(result.name, sum);
  }
  return new Map([...sums].map(([name, { total, n }]) => [name, total / n]));
}

/**
 * Which shard (0-based) each case name goes to. Without durations: the names in hash order, dealt
 * out in turn (shard sizes differ by at most one). With durations: greedy longest first, as
 * pytest-split's least_duration: each case, longest first, to the shard with the least time so
 * far; a case with no recorded duration counts as the mean of the recorded ones.
 */
export function assignShards(names: string[], count: number, durations?: Map<string, number>): Map<string, number> {
  const unique = [...new Set(names)].sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));
  const assigned = new Map<string, number>();
  if (!durations || durations.size === 0) {
    unique.forEach((name, i) => assigned.set(name, i % count));
    return assigned;
  }
  const known = unique.map((name) => durations.get(name)).filter((d): d is number => d !== undefined);
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const cost = (name: string) => durations.get(name) ?? mean;
  // Stable: equal durations keep the hash order, so every job sorts the same way.
  const longestFirst = unique
    .map((name, order) => ({ name, order, ms: cost(name) }))
    .sort((a, b) => b.ms - a.ms || a.order - b.order);
  const load = new Array<number>(count).fill(0);
  for (const { name, ms } of longestFirst) {
    const lightest = load.indexOf(Math.min(...load));
    assigned.set(name, lightest);
    load[lightest] = (load[lightest] ?? 0) + ms;
  }
  return assigned;
}

/** The cases of one shard, in the order they were listed. */
export function shardCases<T extends { name: string }>(cases: T[], shard: Shard, durations?: Map<string, number>): T[] {
  const assigned = assignShards(
    cases.map((c) => c.name),
    shard.count,
    durations,
  );
  return cases.filter((c) => assigned.get(c.name) === shard.index - 1);
}
