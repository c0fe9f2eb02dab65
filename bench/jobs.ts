/**
 * `bondlab run --jobs 1` against `--jobs 2` on the same scenarios, one after the other in one
 * process, so both see the same machine: wall time (the ratio is the result), CPU seconds of the
 * whole run (bondlab and its qemu children, from the kernel's rusage of the child), the largest
 * process's resident memory (a worker's qemu), and the load average around each run, since this
 * machine may be shared. Writes reports/examples/bench-jobs.json.
 *
 *   node dist/bench/jobs.js [scenario paths...]   (default: scenarios/all-modes.yaml and scenarios/debian-guide.yaml)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../harness/package-root.js';
import type { RunResult } from '../harness/runner/results.js';
import { resultsPath } from '../harness/testing/cli-output.js';

const cli = join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');
const paths = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['scenarios/all-modes.yaml', 'scenarios/debian-guide.yaml'];
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

interface Measured {
  jobs: number;
  wallMs: number;
  /** User + system CPU of bondlab and every process it waited for (qemu included). */
  cpuSeconds: number;
  /** The largest resident set of any one process of the run: one worker's qemu. */
  maxRssMiB: number;
  loadBefore: number[];
  loadAfter: number[];
  targets: string[];
  cases: number;
  verdicts: Record<string, number>;
}

async function measure(jobs: number, output: string): Promise<Measured> {
  const loadBefore = loadavg();
  // GNU time reports the rusage of the run and all the processes it reaped.
  const run = await execa(
    '/usr/bin/time',
    ['-f', 'TIME %e %U %S %M', 'node', cli, 'run', ...paths, '--kernel', kernel, '--jobs', String(jobs), '-o', output],
    { reject: false, env: { CI: 'true' } },
  );
  const loadAfter = loadavg();
  const time = /^TIME (\S+) (\S+) (\S+) (\d+)$/m.exec(run.stderr);
  if (!time) throw new Error(`no timing from /usr/bin/time:\n${run.stderr}`);
  const result = JSON.parse(await readFile(resultsPath(run.stderr), 'utf8')) as RunResult;
  const verdicts: Record<string, number> = {};
  for (const c of result.cases) verdicts[c.status] = (verdicts[c.status] ?? 0) + 1;
  return {
    jobs,
    wallMs: Number(time[1]) * 1000,
    cpuSeconds: Number(time[2]) + Number(time[3]),
    maxRssMiB: Math.round(Number(time[4]) / 1024),
    loadBefore,
    loadAfter,
    targets: result.targets,
    cases: result.cases.length,
    verdicts,
  };
}

const output = await mkdtemp(join(tmpdir(), 'bondlab-bench-jobs-'));
try {
  const one = await measure(1, output);
  console.error(`--jobs 1: ${(one.wallMs / 1000).toFixed(1)} s, ${one.cpuSeconds.toFixed(1)} CPU s`);
  const two = await measure(2, output);
  console.error(`--jobs 2: ${(two.wallMs / 1000).toFixed(1)} s, ${two.cpuSeconds.toFixed(1)} CPU s`);
  const report = {
    benchmark: 'jobs',
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), memoryMiB: Math.round(totalmem() / 2 ** 20), kernel },
    scenarios: paths,
    runs: [one, two],
    wallRatio: two.wallMs / one.wallMs,
    goal: 'wall(--jobs 2) <= 0.65 x wall(--jobs 1) on 2 cores',
  };
  await writeFile(
    join(packageRoot(), 'reports', 'examples', 'bench-jobs.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  console.error(`wall ratio --jobs 2 / --jobs 1: ${report.wallRatio.toFixed(2)}`);
} finally {
  await rm(output, { recursive: true, force: true });
}
