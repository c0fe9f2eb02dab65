/**
 * The probe's own limits in the VM: for each traffic shape (flows x packets/s per flow), the rate
 * the probe achieved against its set rate, its stalls and skipped packets, the loss, and the CPU
 * the VM spends while it runs; the highest single-flow rate it holds with less than 0.1% loss.
 * The host's load average is recorded beside each run: under TCG the guest's CPU is the host's.
 * Writes reports/bench-probe-rate.json.
 *
 *   BENCH_SHAPES=1x1000,8x100 node dist/bench/probe-rate.js
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioText } from '../harness/scenario/load.js';

/** 8x100 is lacp-negotiation-and-failover's load, 4x500 and 1x1000 active-backup-traffic-failover's. */
const shapes = (process.env.BENCH_SHAPES ?? '1x1000,8x100,4x500,1x2000,1x5000,1x10000').split(',').map((shape) => {
  const [flows, rate] = shape.split('x').map(Number);
  if (!Number.isInteger(flows) || !Number.isInteger(rate)) throw new Error(`BENCH_SHAPES: ${shape} is not FLOWSxRATE`);
  return { flows: flows as number, rate: rate as number };
});
const text = shapes
  .map(
    ({ flows, rate }) => `name: probe-f${flows}-r${rate}
bond: { mode: 802.3ad, miimon: 100, lacp_rate: fast, xmit_hash_policy: layer3+4 }
steps:
  - build
  - hook: { run: "head -1 /proc/stat > /tmp/cpu-before-${flows}-${rate}", in: none }
  - traffic: { start: { flows: ${flows}, vary: ports, rate: ${rate} } }
  - wait: 3s
  - traffic: stop
  - hook: { run: "head -1 /proc/stat > /tmp/cpu-after-${flows}-${rate}; cat /tmp/cpu-before-${flows}-${rate} /tmp/cpu-after-${flows}-${rate} | tr '\\\\n' ' '", in: none }
`,
  )
  .join('---\n');
const { cases, errors } = loadScenarioText(text, 'bench/probe-rate');
if (errors.length) throw new Error(JSON.stringify(errors));
const hostLoadBefore = loadavg().map((l) => Number(l.toFixed(2)));
const result = await runScenarios(cases, {
  target: 'vm',
  kernel: process.env.BONDLAB_TEST_KERNEL,
  log: (line) => console.error(line),
});
const hostLoadAfter = loadavg().map((l) => Number(l.toFixed(2)));

/** Busy share of all CPUs between two /proc/stat "cpu" lines. */
function busy(line: string): number {
  const [before, after] = line
    .split(/cpu\s+/)
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).map(Number));
  if (!before || !after) return Number.NaN;
  const delta = after.map((v, i) => v - (before[i] ?? 0));
  const total = delta.reduce((a, b) => a + b, 0);
  const idle = (delta[3] ?? 0) + (delta[4] ?? 0);
  return total ? 1 - idle / total : Number.NaN;
}

const rows = result.cases.map((c, i) => {
  const window = c.traffic[0];
  const cpuLine = c.steps.at(-1)?.description.split('-> ')[1] ?? '';
  const shape = shapes[i] ?? { flows: 0, rate: 0 };
  const setPps = shape.flows * shape.rate;
  return {
    flows: shape.flows,
    ratePerFlow: shape.rate,
    setPps,
    achievedPps: window?.achievedPps,
    achievedRatio: window ? Number((window.achievedPps / setPps).toFixed(3)) : undefined,
    notSent: window?.totals.causes?.notSent,
    stalls: window?.totals.stalls?.length,
    stalledMs: window?.totals.stalledMs === undefined ? undefined : Math.round(window.totals.stalledMs),
    lossRatio: window?.totals.lossRatio,
    vmCpuBusy: Number(busy(cpuLine).toFixed(3)),
  };
});
const held = rows.filter((r) => r.flows === 1 && (r.lossRatio ?? 1) < 0.001 && (r.achievedRatio ?? 0) >= 0.95);
const report = {
  benchmark: 'probe-rate',
  date: new Date().toISOString(),
  target: result.targets.join(', '),
  hostLoadAverage: { before: hostLoadBefore, after: hostLoadAfter, cpus: availableParallelism() },
  rows,
  highestSteadyPps: Math.max(0, ...held.map((r) => r.setPps)),
};
await mkdir('reports', { recursive: true });
await writeFile(process.env.BENCH_OUT ?? 'reports/bench-probe-rate.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
