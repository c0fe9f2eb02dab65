/**
 * Verdicts quiet against loaded: runs the load subset (bench/load-subset.ts) once on a quiet
 * machine and N times (default 3) with the CPU oversubscribed twice over, and writes
 * reports/bench-load-agreement.json: per case the verdicts, the agreement of each loaded run with
 * the quiet one, the inconclusive rate on each side, false failures (a true claim failed) and
 * false passes (a false claim did not fail). Goals (issue #12): 0 false failures, 0 false passes,
 * inconclusive at most 10% under load and 0 when quiet. Each run's own reports go to
 * reports/<run id>/, so that a wrong verdict can be looked into.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../harness/report/write.js';
import { oversubscribe, runSubset, type LoadRun } from './load-subset.js';

const loadedRuns = Number.parseInt(process.argv[2] ?? '3', 10);
if (!Number.isInteger(loadedRuns) || loadedRuns < 1) throw new Error('usage: load-agreement [loaded runs, at least 1]');
const kernel = process.env.BONDLAB_TEST_KERNEL;
const log = (line: string) => console.error(line);

/** The host's 1-minute load average at a run's start and end: "quiet" is only as quiet as the machine was. */
const hostLoad = new Map<LoadRun, [number, number]>();

function tally(run: LoadRun) {
  const cases = run.result.cases;
  const truths = cases.filter((c) => !run.falseClaims.has(c.name));
  const lies = cases.filter((c) => run.falseClaims.has(c.name));
  return {
    runId: run.result.runId,
    wallMs: Math.round(run.result.durationMs),
    hostLoadAverage: hostLoad.get(run),
    cases: cases.length,
    inconclusive: cases.filter((c) => c.status === 'inconclusive').map((c) => c.name),
    inconclusiveRate: Number((cases.filter((c) => c.status === 'inconclusive').length / cases.length).toFixed(3)),
    falseFailures: truths
      .filter((c) => c.status === 'failed' || c.status === 'error')
      .map((c) => `${c.name}: ${c.status}`),
    falsePasses: lies.filter((c) => c.status !== 'failed').map((c) => `${c.name}: ${c.status}`),
  };
}

/** One run of the subset, its reports kept. */
async function measured(): Promise<LoadRun> {
  const before = Number((loadavg()[0] ?? 0).toFixed(2));
  const run = await runSubset({ kernel, log });
  hostLoad.set(run, [before, Number((loadavg()[0] ?? 0).toFixed(2))]);
  await writeReports(run.result, join('reports', run.result.runId));
  return run;
}

log('quiet run');
const quiet = await measured();
const loaded: LoadRun[] = [];
for (let i = 1; i <= loadedRuns; i++) {
  const load = oversubscribe();
  log(`loaded run ${i}/${loadedRuns} (${load.count} busy processes)`);
  try {
    loaded.push(await measured());
  } finally {
    load.stop();
  }
}
const verdict = (run: LoadRun, name: string) => run.result.cases.find((c) => c.name === name)?.status ?? 'not run';
const names = quiet.result.cases.map((c) => c.name);
const agreement = (run: LoadRun) =>
  Number((names.filter((n) => verdict(run, n) === verdict(quiet, n)).length / names.length).toFixed(3));
const report = {
  benchmark: 'load-agreement',
  date: new Date().toISOString(),
  load: 'one busy process per core beside the VM (about 2x CPU oversubscription)',
  targets: quiet.result.targets,
  goals: { falseFailures: 0, falsePasses: 0, inconclusiveRateLoaded: '<= 0.10', inconclusiveRateQuiet: 0 },
  quiet: tally(quiet),
  loaded: loaded.map((run) => ({
    ...tally(run),
    agreementWithQuiet: agreement(run),
    wallRatioToQuiet: Number((run.result.durationMs / quiet.result.durationMs).toFixed(2)),
  })),
  perCase: names.map((name) => ({
    name,
    quiet: verdict(quiet, name),
    loaded: loaded.map((run) => verdict(run, name)),
  })),
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-load-agreement.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ quiet: report.quiet, loaded: report.loaded }, null, 2));
