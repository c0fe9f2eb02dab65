import { describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/window.js';
import { matrixMarkdown, matrixTable, modeMatrix } from './matrix.js';
import { sampleCase, sampleWindow } from '../testing/sample-run.js';

const window = sampleWindow;
const matrixCase = (mode: string, traffic: TrafficWindow[]): CaseResult =>
  sampleCase(`mode-matrix[mode=${mode}]`, { file: 'scenarios/suite/mode-matrix.yaml', parameters: { mode }, traffic });

const run: RunResult = {
  runId: 'r',
  startedAt: '',
  durationMs: 0,
  bondlabVersion: '0.1.0',
  targets: [],
  cases: [
    matrixCase('active-backup', [
      window([1, 0], [0, 0]),
      window([1, 0], [0, 0]),
      window([0, 0], [1, 0]),
      window([0.5, 0.5], [0, 0], { outageMs: 48 }),
      window([1, 0], [0, 0], { outageMs: 2 }),
    ]),
    matrixCase('broadcast', [
      window([0.5, 0.5], [0, 0], { duplicates: 100 }),
      window([0.5, 0.5], [0, 0], { duplicates: 100 }),
      window([0, 0], [0.5, 0.5]),
      window([0.5, 0.5], [0, 0]),
      window([1, 0], [0, 0]),
    ]),
  ],
  summary: { total: 2, passed: 2, failed: 0, errors: 0 },
};

describe('mode matrix', () => {
  const rows = modeMatrix(run);

  it('reads each measurement from its window of the suite', () => {
    expect(rows[0]).toMatchObject({
      mode: 'active-backup',
      outageLinkLossMs: 48,
      outageDetachMs: 2,
      txSpread: '1 of 2, max 100%',
      singleFlowSlaves: 1,
      rxSpread: '1 of 2, max 100%',
      farSide: 'nothing',
    });
    expect(rows[1]).toMatchObject({
      mode: 'broadcast',
      txSpread: '2 of 2, max 50%',
      singleFlowSlaves: 2,
      duplicates: 200,
      farSide: 'static aggregation',
    });
  });

  it('prints aligned text and Markdown tables', () => {
    const text = matrixTable(rows).split('\n');
    expect(text[0]).toMatch(/^mode\s+kernel\s+verdict\s+outage, link loss/);
    expect(text[1]).toMatch(/^active-backup\s+vm \(6\.1\.0-56-amd64, tcg\)\s+passed\s+48 ms\s+2 ms/);
    expect(matrixMarkdown(rows).split('\n')[1]).toMatch(/^\| --- \|/);
  });
});
