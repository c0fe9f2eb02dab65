/**
 * Where a case's harness time goes, call by call: runs scenario cases in one VM (or on the
 * host) through a target that records every agent round trip (exec, spawn, snapshot, clock, file
 * reads and writes) with its duration and the step it belonged to. Prints, per case and step, the
 * programs started on the target, the round trips and their time; with BENCH_TRACE=1 every call.
 *
 *   node dist/bench/case-profile.js [scenario files or dirs; default scenarios/suite] [--filter PAT]
 *
 * Writes reports/bench-case-profile.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../harness/package-root.js';
import { runCase } from '../harness/runner/run-case.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';
import { KernelLogCapture } from '../harness/target/kmsg.js';
import type { ExecOptions, SpawnOptions, Target } from '../harness/target/target.js';
import { newRunId } from '../harness/topology/names.js';
import { VmTarget } from '../harness/vm/vm-target.js';

interface Call {
  op: string;
  detail: string;
  step: string;
  startMs: number;
  durationMs: number;
}

/** A Target that records each call; the step label is set by the runner's progress callback. */
function traced(inner: Target, calls: Call[], step: () => string): Target {
  const record = async <T>(op: string, detail: string, call: () => Promise<T>): Promise<T> => {
    const startMs = performance.now();
    try {
      return await call();
    } finally {
      calls.push({ op, detail, step: step(), startMs, durationMs: performance.now() - startMs });
    }
  };
  const describe = (argv: string[], netns?: string) =>
    `${netns ? `[${netns.replace(/^bondlab-[^-]+-[^-]+-/, '')}] ` : ''}${argv.join(' ').replace(/\s+/g, ' ').slice(0, 160)}`;
  return {
    kind: inner.kind,
    description: inner.description,
    exec: (argv: string[], options?: ExecOptions) =>
      record('exec', describe(argv, options?.netns), () => inner.exec(argv, options)),
    spawn: (argv: string[], options?: SpawnOptions) =>
      record('spawn', describe(argv, options?.netns), () => inner.spawn(argv, options)),
    readFile: (path: string) => record('readFile', path, () => inner.readFile(path)),
    writeFile: (path: string, data: Buffer | string) => record('writeFile', path, () => inner.writeFile(path, data)),
    snapshot: (paths: string[]) => record('snapshot', paths.join(' '), () => inner.snapshot(paths)),
    clockNs: () => record('clock', '', () => inner.clockNs()),
    ...(inner.nodeCommand ? { nodeCommand: inner.nodeCommand.bind(inner) } : {}),
    close: () => inner.close(),
  };
}

const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? new RegExp(args[filterAt + 1] ?? '') : undefined;
const paths = args.filter((arg, i) => !arg.startsWith('--') && i !== filterAt + 1);
const { cases, errors } = await loadScenarioFiles(paths.length ? paths : [join(packageRoot(), 'scenarios', 'suite')]);
if (errors.length) throw new Error(JSON.stringify(errors));
const chosen = cases.filter((c) => !filter || filter.test(c.name));
const loadBefore = loadavg();
const vm = await VmTarget.boot({ kernel: process.env.BONDLAB_TEST_KERNEL });
const profile = [];
try {
  await vm.exec(['modprobe', 'bonding', 'max_bonds=0']);
  const capture = await KernelLogCapture.start(vm);
  const runId = newRunId();
  for (const [caseIndex, scenarioCase] of chosen.entries()) {
    const calls: Call[] = [];
    let step = 'set-up';
    const target = traced(vm, calls, () => step);
    const result = await runCase(target, scenarioCase, {
      runId,
      caseIndex,
      repetition: 1,
      kernelLog: capture,
      onStep: (s) => {
        step = 'running' in s ? `${s.index} ${s.description}` : 'teardown';
      },
    });
    const byStep = new Map<string, { ms: number; calls: number; programs: number; sampler: number }>();
    for (const call of calls) {
      const entry = byStep.get(call.step) ?? { ms: 0, calls: 0, programs: 0, sampler: 0 };
      if (call.op === 'snapshot') entry.sampler++;
      else entry.calls++;
      if (call.op === 'exec' || call.op === 'spawn') entry.programs++;
      byStep.set(call.step, entry);
    }
    for (const s of result.steps) {
      const entry = [...byStep].find(([name]) => name.startsWith(`${s.index} `))?.[1];
      if (entry) entry.ms = Math.round(s.durationMs);
    }
    const origin = calls[0]?.startMs ?? 0;
    const trace = calls
      .filter((call) => call.op !== 'snapshot' && call.op !== 'clock')
      .map((call) => ({
        at: Math.round(call.startMs - origin),
        ms: Math.round(call.durationMs),
        step: call.step,
        op: call.op,
        detail: call.detail,
      }));
    if (process.env.BENCH_TRACE)
      for (const t of trace) console.error(`${t.at}\t${t.ms}\t${t.op}\t${t.step}\t${t.detail}`);
    console.error(`${scenarioCase.name}: ${result.status} in ${Math.round(result.durationMs)} ms`);
    for (const [name, entry] of byStep)
      console.error(
        `  ${name}: ${entry.ms} ms, ${entry.calls} round trips (${entry.programs} programs), ${entry.sampler} samples`,
      );
    profile.push({
      name: scenarioCase.name,
      status: result.status,
      durationMs: Math.round(result.durationMs),
      steps: Object.fromEntries(byStep),
      trace,
    });
  }
  await capture.stop();
} finally {
  await vm.close();
}
await mkdir('reports', { recursive: true });
await writeFile(
  'reports/bench-case-profile.json',
  `${JSON.stringify({ benchmark: 'case-profile', date: new Date().toISOString(), target: vm.description, loadAverage: { before: loadBefore, after: loadavg() }, cases: profile }, null, 2)}\n`,
);
