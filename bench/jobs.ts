/**
 * `bondlab run --jobs 1` against `--jobs 2` on the same scenarios, one after the other in one
 * process, so both see the same machine: wall time (the ratio is the result), CPU seconds of the
 * whole run (bondlab and its qemu children, from the kernel's rusage of the child), the largest
 * process's resident memory (a worker's qemu), and the load average around each run, since this
 * machine may be shared. The CPU is split by process (polled from /proc every 500 ms): bondlab's
 * Node, and per qemu its vCPU threads (the guest's work under TCG) and its other threads (I/O).
 * Each run's cases with their durations, and why any case did not pass. Writes
 * reports/examples/bench-jobs.json.
 *
 *   node dist/bench/jobs.js [scenario paths...]   (default: scenarios/all-modes.yaml and scenarios/debian-guide.yaml)
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../harness/package-root.js';
import type { RunResult } from '../harness/runner/results.js';
import { resultsPath } from '../harness/testing/cli-output.js';
import { procStat } from './qemu-cpu.js';

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
  /** CPU seconds by process: bondlab's Node, each qemu's vCPU threads and its other threads. */
  cpuSplit: CpuSplit;
  /** Case durations in seconds, in listed order; and each case that did not pass, with its reason. */
  caseSeconds: Record<string, number>;
  notPassed: { name: string; status: string; reason: string }[];
}

interface CpuSplit {
  node: number;
  qemuVcpu: number[];
  qemuOther: number[];
  other: number;
}

const TICK_S = 0.01;

/** A qemu thread's CPU ticks; vCPU threads are named "CPU n/TCG" (qemu's -name debug-threads=on). */
interface ThreadCpu {
  vcpu: boolean;
  ticks: number;
}

/**
 * Polls the process tree under `root` until stopped: the largest CPU seen per process and, for
 * qemu, per thread. A process's CPU since the last poll
 * before it ended is lost: under 0.5 s of each short-lived process, none for the long-lived ones.
 */
function pollCpu(root: number): { stop: () => Promise<CpuSplit> } {
  const seen = new Map<number, { comm: string; ticks: number; threads: Map<number, ThreadCpu> }>();
  const poll = async () => {
    const procs = new Map<number, { comm: string; ppid: number; ticks: number }>();
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = await procStat(`/proc/${name}/stat`);
      if (stat) procs.set(Number(name), stat);
    }
    const under = (pid: number) => {
      for (let p = pid, hops = 0; p > 1 && hops < 64; hops++, p = procs.get(p)?.ppid ?? 0) if (p === root) return true;
      return false;
    };
    for (const [pid, stat] of procs) {
      if (!under(pid)) continue;
      const entry = seen.get(pid) ?? { comm: stat.comm, ticks: 0, threads: new Map<number, ThreadCpu>() };
      entry.ticks = Math.max(entry.ticks, stat.ticks);
      entry.comm = stat.comm;
      if (stat.comm.startsWith('qemu'))
        for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
          const thread = await procStat(`/proc/${pid}/task/${tid}/stat`);
          const previous = entry.threads.get(Number(tid))?.ticks ?? 0;
          if (thread)
            entry.threads.set(Number(tid), {
              vcpu: /TCG|KVM/.test(thread.comm),
              ticks: Math.max(previous, thread.ticks),
            });
        }
      seen.set(pid, entry);
    }
  };
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, 500);
  return {
    stop: async () => {
      clearInterval(timer);
      await polling;
      const split: CpuSplit = { node: 0, qemuVcpu: [], qemuOther: [], other: 0 };
      for (const { comm, ticks, threads } of seen.values()) {
        if (comm.startsWith('qemu')) {
          const vcpu = [...threads.values()].filter((t) => t.vcpu).reduce((sum, t) => sum + t.ticks, 0);
          split.qemuVcpu.push(Number((vcpu * TICK_S).toFixed(2)));
          split.qemuOther.push(Number(((ticks - vcpu) * TICK_S).toFixed(2)));
        } else if (comm === 'node' || comm === 'MainThread') split.node += ticks * TICK_S;
        else split.other += ticks * TICK_S;
      }
      split.node = Number(split.node.toFixed(2));
      split.other = Number(split.other.toFixed(2));
      return split;
    },
  };
}

async function measure(jobs: number, output: string): Promise<Measured> {
  const loadBefore = loadavg();
  // GNU time reports the rusage of the run and all the processes it reaped.
  const child = execa(
    '/usr/bin/time',
    ['-f', 'TIME %e %U %S %M', 'node', cli, 'run', ...paths, '--kernel', kernel, '--jobs', String(jobs), '-o', output],
    { reject: false, env: { CI: 'true' } },
  );
  const cpu = pollCpu(child.pid ?? 0);
  const run = await child;
  const cpuSplit = await cpu.stop();
  const loadAfter = loadavg();
  const time = /^TIME (\S+) (\S+) (\S+) (\d+)$/m.exec(run.stderr);
  if (!time) throw new Error(`no timing from /usr/bin/time:\n${run.stderr}`);
  const result = JSON.parse(await readFile(resultsPath(run.stderr), 'utf8')) as RunResult;
  const verdicts: Record<string, number> = {};
  for (const c of result.cases) verdicts[c.status] = (verdicts[c.status] ?? 0) + 1;
  const disturbed = (c: RunResult['cases'][number]) =>
    c.steps
      .flatMap((step) => (step.checks ?? []).filter((check) => !check.passed))
      .map((check) => `${check.name}: ${check.disturbed ?? check.actual}`)
      .join('; ');
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
    cpuSplit,
    caseSeconds: Object.fromEntries(result.cases.map((c) => [c.name, Number((c.durationMs / 1000).toFixed(1))])),
    notPassed: result.cases
      .filter((c) => c.status !== 'passed')
      .map((c) => ({ name: c.name, status: c.status, reason: c.error ?? disturbed(c) })),
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
    cpuRatio: two.cpuSeconds / one.cpuSeconds,
    // The least --jobs 2 could take on these cores with its CPU, as a ratio to --jobs 1's wall time.
    cpuFloorRatio: two.cpuSeconds / availableParallelism() / (one.wallMs / 1000),
    goal: 'wall(--jobs 2) <= 0.65 x wall(--jobs 1) on 2 cores',
  };
  await writeFile(
    join(packageRoot(), 'reports', 'examples', 'bench-jobs.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  console.error(
    `wall ratio --jobs 2 / --jobs 1: ${report.wallRatio.toFixed(2)} (CPU ratio ${report.cpuRatio.toFixed(2)}, floor ${report.cpuFloorRatio.toFixed(2)})`,
  );
} finally {
  await rm(output, { recursive: true, force: true });
}
