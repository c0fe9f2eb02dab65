/**
 * Accuracy of the outage measurement: active-backup with miimon 100 and a known downdelay loses
 * its active slave's carrier; nominally the outage is the downdelay plus up to one miimon interval.
 * The kernel log says when the failover really happened, so the probe is also compared with that.
 * Several delays and probe rates; writes the measured error as reports/bench-outage-accuracy.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioText } from '../harness/scenario/load.js';

const delays = (process.env.BENCH_DELAYS ?? '200,400,800').split(',').map(Number);
const rates = (process.env.BENCH_RATES ?? '500,1000,2000').split(',').map(Number);
const MIIMON = 100;

const text = delays
  .flatMap((delay) =>
    rates.map(
      (rate) => `name: outage-d${delay}-r${rate}
bond: { mode: active-backup, miimon: ${MIIMON}, downdelay: ${delay} }
steps:
  - build
  - expect: { activeSlave: slave0, within: 2s }
  - traffic: { start: { flows: 1, rate: ${rate} } }
  - wait: 500ms
  - carrier-off: active
  - wait: ${delay + 1000}ms
  - traffic: stop
`,
    ),
  )
  .join('---\n');
const { cases, errors } = loadScenarioText(text, 'bench/outage-accuracy');
if (errors.length) throw new Error(JSON.stringify(errors));
const result = await runScenarios(cases, {
  target: 'vm',
  kernel: process.env.BONDLAB_TEST_KERNEL,
  log: (line) => console.error(line),
});

const rows = result.cases.map((c) => {
  const [, delay, rate] = /d(\d+)-r(\d+)/.exec(c.name)?.map(Number) ?? [];
  const window = c.traffic[0];
  const measured = window?.totals.outageMs ?? Number.NaN;
  const probeIntervalMs = 1000 / (rate ?? 1);
  // The driver notices the carrier loss at its next miimon tick: the truth lies in [delay, delay + miimon].
  const low = delay ?? 0;
  const high = low + MIIMON;
  const errorMs = measured < low ? measured - low : measured > high ? measured - high : 0;
  // The kernel's own account: from the fault to "making interface ... the new active one".
  const fault = c.timeline.find((e) => e.kind === 'fault');
  const failover = c.timeline.find(
    (e) => e.kind === 'kernel' && e.event === 'new-active-slave' && fault && e.atNs > fault.startNs,
  );
  const kernelFailoverMs =
    fault && failover && 'atNs' in failover ? Number(failover.atNs - fault.endNs) / 1e6 : Number.NaN;
  return {
    case: c.name,
    downdelayMs: delay,
    probeRatePps: rate,
    probeIntervalMs,
    measuredOutageMs: Number(measured.toFixed(1)),
    expectedRangeMs: [low, high],
    errorBeyondRangeMs: Number(errorMs.toFixed(1)),
    kernelFailoverMs: Number(kernelFailoverMs.toFixed(1)),
    measuredMinusKernelMs: Number((measured - kernelFailoverMs).toFixed(1)),
    withinOneProbeIntervalPlusMiimon: Math.abs(measured - low) <= probeIntervalMs + MIIMON,
    lost: window?.totals.lost,
    achievedPps: window?.achievedPps,
  };
});
const report = {
  benchmark: 'outage-accuracy',
  date: new Date().toISOString(),
  target: result.targets.join(', '),
  miimonMs: MIIMON,
  rows,
  allWithinTolerance: rows.every((r) => r.withinOneProbeIntervalPlusMiimon),
  // How far the probe's outage is from the kernel's own failover time, at most.
  worstMeasuredMinusKernelMs: Math.max(...rows.map((r) => Math.abs(r.measuredMinusKernelMs))),
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-outage-accuracy.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
