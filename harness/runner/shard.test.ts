import { describe, expect, it } from 'vitest';
import { sampleCase, sampleRun } from '../testing/sample-run.js';
import { assignShards, parseShard, recordedDurations, shardCases } from './shard.js';

const names = Array.from({ length: 23 }, (_, i) => `case-${i}[miimon=${i * 10}]`);
const cases = names.map((name) => ({ name }));

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each([
    ['0/3', 'the shard index must be from 1 to 3, not 0'],
    ['4/3', 'the shard index must be from 1 to 3, not 4'],
    ['1/0', 'the shard count must be from 1 to 10000, not 0'],
    ['x', 'expected i/n (e.g. 2/3), not "x"'],
    ['1/3x', 'expected i/n'],
    ['-1/3', 'expected i/n'],
    ['1.5/3', 'expected i/n'],
  ])('refuses %s', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
  });
});

describe('shardCases by name', () => {
  it('puts every case in exactly one shard, shard sizes within one of each other', () => {
    const shards = [1, 2, 3].map((index) => shardCases(cases, { index, count: 3 }));
    expect(
      shards
        .flat()
        .map((c) => c.name)
        .sort(),
    ).toEqual([...names].sort());
    const sizes = shards.map((s) => s.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('depends on the names only, not on the order they were listed in', () => {
    const reversed = [...cases].reverse();
    for (const index of [1, 2, 3]) {
      const a = shardCases(cases, { index, count: 3 })
        .map((c) => c.name)
        .sort();
      const b = shardCases(reversed, { index, count: 3 })
        .map((c) => c.name)
        .sort();
      expect(b).toEqual(a);
    }
  });

  it('keeps the listed order inside a shard', () => {
    const shard = shardCases(cases, { index: 2, count: 3 });
    expect(shard.map((c) => names.indexOf(c.name))).toEqual(
      [...shard.map((c) => names.indexOf(c.name))].sort((x, y) => x - y),
    );
  });

  it('leaves a shard empty when there are more shards than cases', () => {
    const two = cases.slice(0, 2);
    expect([1, 2, 3].map((index) => shardCases(two, { index, count: 3 }).length).sort()).toEqual([0, 1, 1]);
  });
});

describe('shardCases by recorded durations (greedy, longest first)', () => {
  it('balances the shards by time rather than by count', () => {
    const durations = new Map([
      ['a', 90],
      ['b', 50],
      ['c', 40],
      ['d', 30],
      ['e', 20],
      ['f', 10],
    ]);
    const assigned = assignShards([...durations.keys()], 2, durations);
    const load = [0, 0];
    for (const [name, shard] of assigned) load[shard] = (load[shard] ?? 0) + (durations.get(name) ?? 0);
    // 90 | 50 -> 90 | 50+40 -> 90+30 | 90 -> 120 | 90+20 -> 120 | 110+10: 120 against 120.
    expect(load.sort()).toEqual([120, 120]);
    expect(assigned.get('a')).not.toBe(assigned.get('b'));
  });

  it('counts a case with no recorded duration as the mean of the recorded ones', () => {
    const durations = new Map([
      ['long', 100],
      ['short', 20],
    ]);
    // new (mean 60) goes beside short, not beside long.
    const assigned = assignShards(['long', 'short', 'new'], 2, durations);
    expect(assigned.get('new')).toBe(assigned.get('short'));
  });

  it("takes each name's mean over its repetitions and counts retried attempts", () => {
    const run = sampleRun([
      sampleCase('a', { durationMs: 1000 }),
      sampleCase('a', { durationMs: 3000, repetition: 2 }),
      sampleCase('b', { durationMs: 500, attempts: [sampleCase('b', { durationMs: 700, status: 'inconclusive' })] }),
    ]);
    expect(recordedDurations(run)).toEqual(
      new Map([
        ['a', 2000],
        ['b', 1200],
      ]),
    );
  });
});
