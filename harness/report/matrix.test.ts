import { describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/engine.js';
import { matrixMarkdown, matrixTable, modeMatrix } from './matrix.js';

function window(tx: number[], rx: number[], extra: Partial<TrafficWindow['totals']> = {}): TrafficWindow {
  return {
    settings: { flows: 1, vary: 'ports', rate: 100, direction: 'to-clients', size: 64 },
    startNs: 0n,
    endNs: 1n,
    achievedPps: 100,
    flows: [],
    totals: { sent: 100, received: 100, lost: 0, lossRatio: 0, duplicates: 0, reordered: 0, outageMs: 0, deliveryGapMs: 0, ...extra },
    perSlave: tx.map((share, i) => ({ slave: `eth${i}`, txPackets: share * 100, rxPackets: (rx[i] ?? 0) * 100, txShare: share, rxShare: rx[i] ?? 0 })),
    delivery: { startUs: 0, bucketMs: 10, delivered: [] },
  };
}

function matrixCase(mode: string, windows: TrafficWindow[]): CaseResult {
  return {
    name: `mode-matrix[mode=${mode}]`,
    scenario: 'mode-matrix',
    file: 'scenarios/suite/mode-matrix.yaml',
    parameters: { mode },
    repetition: 1,
    target: 'vm (6.1.0-56-amd64, tcg)',
    status: 'passed',
    startedAt: '',
    durationMs: 30_000,
    steps: [],
    timeline: [],
    traffic: windows,
    throughput: [],
    failovers: [],
  };
}

const run: RunResult = {
  runId: 'r',
  startedAt: '',
  durationMs: 0,
  bondlabVersion: '0.1.0',
  targets: [],
  cases: [
    matrixCase('active-backup', [window([1, 0], [0, 0]), window([1, 0], [0, 0]), window([0, 0], [1, 0]), window([0.5, 0.5], [0, 0], { outageMs: 48 }), window([1, 0], [0, 0], { outageMs: 2 })]),
    matrixCase('broadcast', [window([0.5, 0.5], [0, 0], { duplicates: 100 }), window([0.5, 0.5], [0, 0], { duplicates: 100 }), window([0, 0], [0.5, 0.5]), window([0.5, 0.5], [0, 0]), window([1, 0], [0, 0])]),
  ],
  summary: { total: 2, passed: 2, failed: 0, errors: 0 },
};

describe('mode matrix', () => {
  const rows = modeMatrix(run);

  it('reads each measurement from its window of the suite', () => {
    expect(rows[0]).toMatchObject({ mode: 'active-backup', outageLinkLossMs: 48, outageDetachMs: 2, txSpread: '1 of 2, max 100%', singleFlowSlaves: 1, rxSpread: '1 of 2, max 100%', farSide: 'nothing' });
    expect(rows[1]).toMatchObject({ mode: 'broadcast', txSpread: '2 of 2, max 50%', singleFlowSlaves: 2, duplicates: 200, farSide: 'static aggregation' });
  });

  it('prints aligned text and Markdown tables', () => {
    const text = matrixTable(rows).split('\n');
    expect(text[0]).toMatch(/^mode\s+kernel\s+verdict\s+outage, link loss/);
    expect(text[1]).toMatch(/^active-backup\s+vm \(6\.1\.0-56-amd64, tcg\)\s+passed\s+48 ms\s+2 ms/);
    expect(matrixMarkdown(rows).split('\n')[1]).toMatch(/^\| --- \|/);
  });
});
