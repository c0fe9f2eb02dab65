/**
 * The probe's own limits in the VM: the highest steady rate it holds on a healthy bond with less
 * than 0.1% loss, and the CPU the VM spends while it runs. Writes reports/bench-probe-rate.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioText } from '../harness/scenario/load.js';

const rates = (process.env.BENCH_RATES ?? '1000,2000,5000,10000,20000').split(',').map(Number);
const text = rates
  .map(
    (rate) => `name: probe-r${rate}
bond: { mode: active-backup, miimon: 100 }
steps:
  - build
  - hook: { run: "head -1 /proc/stat > /tmp/cpu-before-${rate}", in: none }
  - traffic: { start: { flows: 1, rate: ${rate} } }
  - wait: 3s
  - traffic: stop
  - hook: { run: "head -1 /proc/stat > /tmp/cpu-after-${rate}; cat /tmp/cpu-before-${rate} /tmp/cpu-after-${rate} | tr '\\\\n' ' '", in: none }
`,
  )
  .join('---\n');
const { cases, errors } = loadScenarioText(text, 'bench/probe-rate');
if (errors.length) throw new Error(JSON.stringify(errors));
const result = await runScenarios(cases, { target: 'vm', kernel: process.env.BONDLAB_TEST_KERNEL, log: (line) => console.error(line) });

/** Busy share of all CPUs between two /proc/stat "cpu" lines. */
function busy(line: string): number {
  const [before, after] = line.split(/cpu\s+/).filter(Boolean).map((l) => l.trim().split(/\s+/).map(Number));
  if (!before || !after) return Number.NaN;
  const delta = after.map((v, i) => v - (before[i] ?? 0));
  const total = delta.reduce((a, b) => a + b, 0);
  const idle = (delta[3] ?? 0) + (delta[4] ?? 0);
  return total ? 1 - idle / total : Number.NaN;
}

const rows = result.cases.map((c) => {
  const window = c.traffic[0];
  const cpuLine = c.steps.at(-1)?.description.split('-> ')[1] ?? '';
  return {
    requestedPps: Number(/r(\d+)/.exec(c.name)?.[1]),
    achievedPps: window?.achievedPps,
    lossRatio: window?.totals.lossRatio,
    vmCpuBusy: Number(busy(cpuLine).toFixed(3)),
  };
});
const held = rows.filter((r) => (r.lossRatio ?? 1) < 0.001 && (r.achievedPps ?? 0) >= 0.95 * r.requestedPps);
const report = {
  benchmark: 'probe-rate',
  date: new Date().toISOString(),
  target: result.targets.join(', '),
  rows,
  highestSteadyPps: Math.max(0, ...held.map((r) => r.requestedPps)),
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-probe-rate.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
