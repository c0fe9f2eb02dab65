import { describe, expect, it } from 'vitest';
import { sampleCase, sampleRun, sampleWindow } from '../testing/sample-run.js';
import { lavaCommands } from './lava.js';

describe('lavaCommands', () => {
  it('gives one lava-test-case line per case, the longest outage as its measurement in ms', () => {
    const run = sampleRun([
      sampleCase('all-modes[mode=802.3ad]'),
      sampleCase('failover', {
        status: 'failed',
        traffic: [sampleWindow([1, 0], [0, 0], { outageMs: 120.44 }), sampleWindow([1, 0], [0, 0], { outageMs: 310 })],
      }),
      sampleCase('spread', { status: 'inconclusive', repetition: 2 }),
      sampleCase('broken', { status: 'error' }),
    ]);
    expect(lavaCommands(run).split('\n').slice(2)).toEqual([
      'lava-test-case all-modes_mode_802.3ad_ --result pass',
      'lava-test-case failover --result fail --measurement 310.0 --units ms',
      'lava-test-case spread-2 --result skip',
      'lava-test-case broken --result fail',
      '',
    ]);
  });
});
