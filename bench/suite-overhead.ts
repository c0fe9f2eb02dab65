/**
 * How much of the suite's wall time is waiting that no harness can avoid, and how much is the
 * harness's own: runs scenarios/suite in the VM (or reads a run's results.json given as the first
 * argument) and splits the time into
 *   - configured delays: the scenarios' wait steps (the traffic windows run inside them);
 *   - waiting for the kernel: wait-until steps and expects that had to poll until the kernel
 *     reached the state (LACP negotiation, updelay, failover), as long as the kernel took;
 *   - the harness: VM boot, topology build and teardown, starting and stopping traffic, faults'
 *     commands, checks, reports.
 * Writes reports/bench-suite-overhead.json, and the run's results.json under reports/<run id>/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../harness/cli/results-file.js';
import { packageRoot } from '../harness/package-root.js';
import type { CaseResult, RunResult } from '../harness/runner/results.js';
import { runScenarios } from '../harness/runner/run.js';
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

interface Split {
  configuredDelayMs: number;
  kernelWaitMs: number;
  harness: Record<string, number>;
}

/** A case's steps by what they spent their time on; what no step covers is set-up and teardown. */
function split(c: CaseResult): Split {
  const harness: Record<string, number> = {};
  const add = (key: string, ms: number) => (harness[key] = (harness[key] ?? 0) + ms);
  let configuredDelayMs = 0;
  let kernelWaitMs = 0;
  for (const step of c.steps) {
    if (step.kind === 'wait') configuredDelayMs += step.durationMs;
    else if (step.kind === 'wait-until' || (step.kind === 'expect' && step.description.includes(' within ')))
      kernelWaitMs += step.durationMs;
    else add(step.kind === 'expect' ? 'checks' : step.kind, step.durationMs);
  }
  add('case set-up and teardown', c.durationMs - c.steps.reduce((sum, s) => sum + s.durationMs, 0));
  return { configuredDelayMs, kernelWaitMs, harness };
}

const from = process.argv[2];
const loadBefore = loadavg();
const round2 = (v: number) => Number(v.toFixed(2));
const run = from ? (await readResults(from)).run : await suiteRun();
// The run's own reports too, so that the suite's results can be compared with other kernels.
if (!from) console.error(`results: ${(await writeReports(run, join('reports', run.runId), ['json']))[0]}`);
const perCase = run.cases.map((c) => ({ name: c.name, durationMs: Math.round(c.durationMs), ...split(c) }));
const sum = (get: (s: Split) => number) => perCase.reduce((total, c) => total + get(c), 0);
const harness: Record<string, number> = {};
for (const c of perCase) for (const [key, ms] of Object.entries(c.harness)) harness[key] = (harness[key] ?? 0) + ms;
harness['VM boot, between cases, reports'] =
  run.durationMs -
  sum((c) => c.configuredDelayMs + c.kernelWaitMs + Object.values(c.harness).reduce((a, b) => a + b, 0));
const inherentMs = sum((c) => c.configuredDelayMs + c.kernelWaitMs);
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
  configuredDelayMs: Math.round(sum((c) => c.configuredDelayMs)),
  kernelWaitMs: Math.round(sum((c) => c.kernelWaitMs)),
  harnessMs: Math.round(run.durationMs - inherentMs),
  harnessShare: Number(((run.durationMs - inherentMs) / run.durationMs).toFixed(3)),
  goal: 'harness share under 1/3 of the wall time',
  harnessByKind: Object.fromEntries(
    Object.entries(harness)
      .map(([key, ms]) => [key, Math.round(ms)] as const)
      .sort((a, b) => b[1] - a[1]),
  ),
  perCase: perCase.map((c) => ({
    ...c,
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
