import { describe, expect, it } from 'vitest';
import { sampleCase, sampleRun } from '../testing/sample-run.js';
import { MergeError, mergeRuns } from './merge.js';

const shardRun = (shard: string, cases: ReturnType<typeof sampleCase>[], fields = {}) => ({
  run: sampleRun(cases, { runId: `run-${shard}`, shard, targets: [`vm ${shard}`], ...fields }),
  file: `shard-${shard.replace('/', '-')}/results.json`,
});

describe('mergeRuns', () => {
  it('joins the shards in the suite order, each case labelled with its shard', () => {
    const merged = mergeRuns(
      [
        shardRun('2/2', [sampleCase('b', { suiteIndex: 1, status: 'failed' }), sampleCase('d', { suiteIndex: 3 })]),
        shardRun('1/2', [sampleCase('a', { suiteIndex: 0 }), sampleCase('c', { suiteIndex: 2 })]),
      ],
      'merged',
    );
    expect(merged.run.cases.map((c) => [c.name, c.shard])).toEqual([
      ['a', '1/2'],
      ['b', '2/2'],
      ['c', '1/2'],
      ['d', '2/2'],
    ]);
    expect(merged.run.summary).toMatchObject({ total: 4, passed: 3, failed: 1 });
    expect(merged.run.targets).toEqual(['vm 2/2', 'vm 1/2']);
    expect(merged.run.mergedFrom).toEqual(['run-2/2', 'run-1/2']);
    expect(merged.missingShards).toEqual([]);
  });

  it('spans from the first start to the last end', () => {
    const merged = mergeRuns(
      [
        shardRun('1/2', [sampleCase('a')], { startedAt: '2026-11-29T10:00:00.000Z', durationMs: 5000 }),
        shardRun('2/2', [sampleCase('b')], { startedAt: '2026-11-29T10:00:03.000Z', durationMs: 4000 }),
      ],
      'merged',
    );
    expect(merged.run.startedAt).toBe('2026-11-29T10:00:00.000Z');
    expect(merged.run.durationMs).toBe(7000);
  });

  it('names the shards that are missing', () => {
    const merged = mergeRuns([shardRun('1/3', [sampleCase('a')]), shardRun('3/3', [sampleCase('c')])], 'merged');
    expect(merged.missingShards).toEqual(['2/3']);
  });

  it('keeps the same case on two kernels apart', () => {
    const merged = mergeRuns(
      [
        shardRun('1/1', [sampleCase('a', { kernel: 'debian:bookworm' })]),
        { ...shardRun('1/1', [sampleCase('a', { kernel: 'debian:trixie' })]), file: 'trixie/results.json' },
      ],
      'merged',
    );
    expect(merged.run.cases.map((c) => c.kernel)).toEqual(['debian:bookworm', 'debian:trixie']);
  });

  it('refuses a case that two inputs hold (the same shard given twice)', () => {
    expect(() =>
      mergeRuns(
        [shardRun('1/2', [sampleCase('a')]), { ...shardRun('1/2', [sampleCase('a')]), file: 'again/results.json' }],
        'merged',
      ),
    ).toThrow(
      new MergeError(
        'again/results.json: case a on vm (6.1.0-56-amd64, tcg) is also in shard-1-2/results.json (the same shard given twice?)',
      ),
    );
  });

  it('refuses results of different bondlab versions', () => {
    expect(() =>
      mergeRuns(
        [shardRun('1/2', [sampleCase('a')]), shardRun('2/2', [sampleCase('b')], { bondlabVersion: '0.0.9' })],
        'merged',
      ),
    ).toThrow(/shard-2-2\/results\.json: written by bondlab 0\.0\.9, shard-1-2\/results\.json by bondlab 0\.1\.0/);
  });
});
