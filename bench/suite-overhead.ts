/**
 * How much of the suite's wall time is waiting that no harness can avoid, and how much is the
 * harness's own: runs scenarios/suite in the VM (or reads a run's results.json given as the first
 * argument) and splits the time (harness/runner/time-split.ts; its rules go into the JSON) into
 *   - configured delays: the scenarios' wait steps (the traffic windows run inside them), and
 *     the wait for a `never ... during` window to close (a step's waits.windowMs);
 *   - waiting for the kernel: a new bond settling in the build (MII, LACP negotiation: a step's
 *     waits.settleMs, until the last reading that found it unsettled), wait-until steps and
 *     expects that had to poll until the kernel reached the state (updelay, failover);
 *   - the harness: VM boot, topology build and teardown, starting and stopping traffic, faults'
 *     commands, checks, reports, and polling's own overshoot.
 * Writes reports/bench-suite-overhead.json, and the run's results.json under reports/<run id>/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../harness/cli/results-file.js';
import { packageRoot } from '../harness/package-root.js';
import type { RunResult } from '../harness/runner/results.js';
import { runScenarios } from '../harness/runner/run.js';
import { splitRun, TIME_SPLIT_RULES } from '../harness/runner/time-split.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';
import { writeReports } from '../harness/report/write.js';

async function suiteRun(): Promise<RunResult> {
  const { cases, errors } = await loadScenarioFiles([join(packageRoot(), 'scenarios', 'suite')]);
  if (errors.length) throw new Error(JSON.stringify(errors));
  return await runScenarios(cases, {
    target: 'vm',
    kernel: process.env.BONDLAB_TEST_KERNEL,
    log: (line) => console.error(line),
  });
}

const from = process.argv[2];
const loadBefore = loadavg();
const round2 = (v: number) => Number(v.toFixed(2));
const run = from ? (await readResults(from)).run : await suiteRun();
// The run's own reports too, so that the suite's results can be compared with other kernels.
if (!from) console.error(`results: ${(await writeReports(run, join('reports', run.runId), ['json']))[0]}`);
const split = splitRun(run);
const inherentMs = split.configuredDelayMs + split.kernelWaitMs;
const report = {
  benchmark: 'suite-overhead',
  date: new Date().toISOString(),
  source: from ?? 'a run of scenarios/suite made by this script',
  targets: run.targets,
  // A shared machine's load stretches the harness's share: the figures are comparable within a load only.
  loadAverage: from ? undefined : { before: loadBefore.map(round2), after: loadavg().map(round2) },
  cases: run.cases.length,
  wallMs: Math.round(run.durationMs),
  inherentMs: Math.round(inherentMs),
  configuredDelayMs: Math.round(split.configuredDelayMs),
  kernelWaitMs: Math.round(split.kernelWaitMs),
  harnessMs: Math.round(split.harnessMs),
  harnessShare: Number(split.harnessShare.toFixed(3)),
  goal: 'harness share under 1/3 of the wall time',
  rules: TIME_SPLIT_RULES,
  verdicts: run.summary,
  harnessByKind: Object.fromEntries(
    Object.entries(split.harnessByKind)
      .map(([key, ms]) => [key, Math.round(ms)] as const)
      .sort((a, b) => b[1] - a[1]),
  ),
  perCase: split.perCase.map((c) => ({
    ...c,
    durationMs: Math.round(c.durationMs),
    configuredDelayMs: Math.round(c.configuredDelayMs),
    kernelWaitMs: Math.round(c.kernelWaitMs),
    harness: Object.fromEntries(Object.entries(c.harness).map(([key, ms]) => [key, Math.round(ms)])),
  })),
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-suite-overhead.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(
  JSON.stringify(
    {
      wallMs: report.wallMs,
      inherentMs: report.inherentMs,
      harnessShare: report.harnessShare,
      harnessByKind: report.harnessByKind,
    },
    null,
    2,
  ),
);
