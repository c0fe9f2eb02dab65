/**
 * Results built by hand for the reporters' unit tests: a case and a traffic window with every
 * required field, so that each test states only what it is about.
 */
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/window.js';

type Totals = TrafficWindow['totals'];

/** One window of 1000 packets over two slaves; `tx` and `rx` are each slave's share. */
export function sampleWindow(
  tx: number[] = [1, 0],
  rx: number[] = [0, 0],
  totals: Partial<Totals> = {},
): TrafficWindow {
  return {
    settings: { flows: 1, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 },
    startNs: 0n,
    endNs: 1_000_000_000n,
    achievedPps: 1000,
    flows: [],
    totals: {
      sent: 1000,
      received: 1000,
      lost: 0,
      lossRatio: 0,
      duplicates: 0,
      reordered: 0,
      outageMs: 0,
      deliveryGapMs: 0,
      ...totals,
    },
    perSlave: tx.map((share, i) => ({
      slave: `eth${i}`,
      txPackets: share * 1000,
      rxPackets: (rx[i] ?? 0) * 1000,
      txShare: share,
      rxShare: rx[i] ?? 0,
    })),
    delivery: { startUs: 0, bucketMs: 10, delivered: [] },
  };
}

export function sampleCase(name: string, fields: Partial<CaseResult> = {}): CaseResult {
  const scenario = name.split('[')[0] ?? name;
  return {
    name,
    scenario,
    file: `scenarios/${scenario}.yaml`,
    parameters: {},
    repetition: 1,
    target: 'vm (6.1.0-56-amd64, tcg)',
    status: 'passed',
    startedAt: '2026-11-24T23:00:00.000Z',
    durationMs: 4200,
    steps: [],
    timeline: [],
    traffic: [],
    throughput: [],
    failovers: [],
    ...fields,
  };
}

export function sampleRun(cases: CaseResult[], fields: Partial<RunResult> = {}): RunResult {
  const count = (status: CaseResult['status']) => cases.filter((c) => c.status === status).length;
  return {
    runId: 'run-1',
    startedAt: '2026-11-24T23:00:00.000Z',
    durationMs: cases.reduce((sum, c) => sum + c.durationMs, 0),
    bondlabVersion: '0.1.0',
    targets: [...new Set(cases.map((c) => c.target))],
    cases,
    summary: { total: cases.length, passed: count('passed'), failed: count('failed'), errors: count('error') },
    ...fields,
  };
}

/** Three repetitions of a failover case: passed, failed, passed; the kernel once reacted before the command returned. */
export function repeatedCases(): CaseResult[] {
  const runs: [outageMs: number, stateChangeMs: number, status: CaseResult['status']][] = [
    [100, -12, 'passed'],
    [300, 30, 'failed'],
    [200, 40, 'passed'],
  ];
  return runs.map(([outageMs, stateChangeMs, status], i) =>
    sampleCase('failover[mode=active-backup]', {
      repetition: i + 1,
      status,
      traffic: [sampleWindow([1, 0], [0, 0], { outageMs, lossRatio: outageMs / 10_000 })],
      failovers: [{ fault: 'far side p0 down', faultNs: 0n, stateChangeMs, deliveryRestoredMs: outageMs, outageMs }],
    }),
  );
}
