/**
 * Cold start of the commands that boot nothing: `bondlab --help` and `bondlab validate scenarios`,
 * each a fresh node process, against the floor of a fresh `node -e 0` measured in the same run
 * (interleaved, so load on a shared machine falls on all three alike). Wall and CPU time per run;
 * medians over the runs. Writes reports/examples/bench-cli-start.json.
 *
 *   node dist/bench/cli-start.js [runs]   (default 15)
 *
 * BENCH_BASELINE: the dist/ directory of another bondlab build (an earlier commit, built beside
 * this one): its two commands are timed in the same rounds, for a before/after under the same load.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../harness/package-root.js';

const runs = Number(process.argv[2] ?? 15);
const cli = join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');
const baseline = process.env.BENCH_BASELINE;
const baselineCli = baseline && join(baseline, 'harness', 'cli', 'main.js');
const commands: Record<string, string[]> = {
  'node -e 0 (floor)': ['-e', '0'],
  'bondlab --help': [cli, '--help'],
  'bondlab validate scenarios': [cli, 'validate', join(packageRoot(), 'scenarios')],
  ...(baselineCli
    ? {
        'baseline: bondlab --help': [baselineCli, '--help'],
        'baseline: bondlab validate scenarios': [baselineCli, 'validate', join(packageRoot(), 'scenarios')],
      }
    : {}),
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const samples: Record<string, { wallMs: number[]; cpuMs: number[] }> = {};
const loadBefore = loadavg();
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(commands)) {
    // GNU time: wall, user and system seconds of the one process.
    const result = await execa('/usr/bin/time', ['-f', 'TIME %e %U %S', 'node', ...args], { reject: false });
    const time = /^TIME (\S+) (\S+) (\S+)$/m.exec(result.stderr);
    if (!time || result.exitCode !== 0) throw new Error(`${name} failed (${result.exitCode}):\n${result.stderr}`);
    const entry = (samples[name] ??= { wallMs: [], cpuMs: [] });
    entry.wallMs.push(Number(time[1]) * 1000);
    entry.cpuMs.push((Number(time[2]) + Number(time[3])) * 1000);
  }
}
const floor = median(samples['node -e 0 (floor)']?.wallMs ?? []);
const results = Object.entries(samples).map(([name, { wallMs, cpuMs }]) => ({
  command: name,
  medianWallMs: median(wallMs),
  medianCpuMs: median(cpuMs),
  minWallMs: Math.min(...wallMs),
  wallOverFloor: median(wallMs) / floor,
  wallMs,
}));
// This build's median wall time over the baseline's, per command (below 1: faster).
const ratioToBaseline = Object.fromEntries(
  results
    .filter((r) => r.command.startsWith('baseline: '))
    .map((b) => {
      const name = b.command.slice('baseline: '.length);
      const current = results.find((r) => r.command === name);
      return [name, current ? Number((current.medianWallMs / b.medianWallMs).toFixed(3)) : null];
    }),
);
const report = {
  benchmark: 'cli-start',
  date: new Date().toISOString(),
  cores: availableParallelism(),
  loadBefore,
  loadAfter: loadavg(),
  runs,
  ...(baseline ? { baseline, ratioToBaseline } : {}),
  goal: 'bondlab --help and bondlab validate scenarios: at most 300 ms wall',
  results,
};
await writeFile(
  join(packageRoot(), 'reports', 'examples', 'bench-cli-start.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
for (const r of results)
  console.log(
    `${r.command.padEnd(38)} median ${r.medianWallMs.toFixed(0)} ms wall (${r.wallOverFloor.toFixed(1)}x the floor), ${r.medianCpuMs.toFixed(0)} ms CPU`,
  );
