/**
 * Benchmark of the targets: VM cold boot to agent-ready, and round-trip latency of the agent
 * protocol alone (clock) and of running a command (exec true), p50 and p99 over N calls, for
 * the host and the VM targets. Writes reports/bench-target.json.
 *
 * BENCH_KERNEL_ARGS: extra kernel arguments, booted in turn with the default ones.
 * BENCH_BASELINE: the dist/ directory of another bondlab build (an earlier commit, built beside
 * this one): its VM target is booted in turn with this one's, under the same load, as a ratio.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { HostTarget } from '../harness/target/host.js';
import type { Target } from '../harness/target/target.js';
import { VmTarget } from '../harness/vm/vm-target.js';
import { qemuCpuMs } from './qemu-cpu.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const BOOTS = Number(process.env.BENCH_BOOTS ?? 3);
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]): { p50: number; p99: number; min: number; max: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    min: round(sorted[0] ?? 0),
    max: round(sorted.at(-1) ?? 0),
    n: sorted.length,
  };
}

async function roundTrips(target: Target, call: () => Promise<unknown>): Promise<ReturnType<typeof summary>> {
  for (let i = 0; i < 10; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return summary(samples);
}

async function measure(target: Target) {
  return {
    clockMs: await roundTrips(target, () => target.clockNs()),
    readProcFileMs: await roundTrips(target, () => target.readFile('/proc/uptime')),
    execTrueMs: await roundTrips(target, () => target.exec(['true'])),
  };
}

const host = new HostTarget();
const hostResults = await measure(host);

/**
 * Where a boot's time went, from the guest's uptime (kernel start = 0) printed on its console at
 * switch_root and at the agent's start, and read through the agent once it answered.
 */
async function bootPhases(vm: Pick<VmTarget, 'readFile' | 'consoleLog' | 'timings'>): Promise<Record<string, number>> {
  const uptimeMs = Number((await vm.readFile('/proc/uptime')).toString().split(' ')[0]) * 1000;
  const console = await readFile(vm.consoleLog, 'utf8');
  const at = (pattern: RegExp) => Number(pattern.exec(console)?.[1] ?? Number.NaN) * 1000;
  const switchRootMs = at(/switching root at ([\d.]+)/);
  const agentStartMs = at(/starting agent at ([\d.]+)/);
  return {
    qemuToKernelMs: Math.round(vm.timings.agentReadyMs - uptimeMs),
    kernelAndInitramfsMs: Math.round(switchRootMs),
    switchRootToAgentStartMs: Math.round(agentStartMs - switchRootMs),
    agentStartToReadyMs: Math.round(uptimeMs - agentStartMs),
  };
}

interface Boot {
  agentReadyMs: number;
  /** qemu's CPU time from its start to the agent's answer. */
  cpuMs: number;
  totalMs: number;
  closeMs: number;
  phases: Record<string, number>;
  /** The host's 1-minute load average when the boot began. */
  loadAverage: number;
}

const baselineDist = process.env.BENCH_BASELINE;
/** The other build's VM target: the same class, from its own modules (its initramfs, agent and guest init). */
const Baseline = baselineDist
  ? (
      (await import(pathToFileURL(join(baselineDist, 'harness', 'vm', 'vm-target.js')).href)) as {
        VmTarget: typeof VmTarget;
      }
    ).VmTarget
  : undefined;

async function timedBoot(extraKernelArgs?: string[], measureCalls = false, Vm = VmTarget): Promise<Boot> {
  const loadAverage = Number((loadavg()[0] ?? 0).toFixed(2));
  const start = performance.now();
  const vm = await Vm.boot({ kernel, extraKernelArgs });
  const totalMs = performance.now() - start;
  const cpuMs = await qemuCpuMs();
  description = vm.description;
  const phases = await bootPhases(vm);
  if (measureCalls) vmResults = await measure(vm);
  const closeStart = performance.now();
  await vm.close();
  return {
    agentReadyMs: Math.round(vm.timings.agentReadyMs),
    cpuMs,
    totalMs: Math.round(totalMs),
    closeMs: Math.round(performance.now() - closeStart),
    phases,
    loadAverage,
  };
}

const candidateArgs = process.env.BENCH_KERNEL_ARGS?.split(/\s+/).filter(Boolean);
const boots: Boot[] = [];
const candidateBoots: Boot[] = [];
const baselineBoots: Boot[] = [];
let vmResults: Awaited<ReturnType<typeof measure>> | undefined;
let description = '';
// The first boot may fetch the kernel and build caches: it is not counted.
await (await VmTarget.boot({ kernel, extraKernelArgs: candidateArgs })).close();
if (Baseline) await (await Baseline.boot({ kernel })).close();
// A boot that fails (under heavy load the kernel's IO-APIC timer check can panic) is counted, not fatal.
const failures = { default: [] as string[], candidate: [] as string[], baseline: [] as string[] };
const attempt = async (list: Boot[], failed: string[], args?: string[], measureCalls = false, Vm = VmTarget) => {
  try {
    list.push(await timedBoot(args, measureCalls, Vm));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    failed.push(/Kernel panic[^\n]*/.exec(text)?.[0] ?? text.split('\n')[0] ?? '');
  }
};
for (let i = 0; i < BOOTS; i++) {
  await attempt(boots, failures.default, undefined, vmResults === undefined);
  if (candidateArgs) await attempt(candidateBoots, failures.candidate, candidateArgs);
  if (Baseline) await attempt(baselineBoots, failures.baseline, undefined, false, Baseline);
}
const median = (list: Boot[]) => summary(list.map((b) => b.agentReadyMs)).p50;
const medianCpu = (list: Boot[]) => summary(list.map((b) => b.cpuMs)).p50;

const report = {
  benchmark: 'target',
  date: new Date().toISOString(),
  machine: {
    cpus: (await execa('nproc')).stdout.trim(),
    kernel: (await execa('uname', ['-r'])).stdout.trim(),
    loadAverage: loadavg().map((v) => Number(v.toFixed(2))),
  },
  calls: CALLS,
  host: hostResults,
  vm: {
    target: description,
    boots,
    failedBoots: failures.default,
    agentReadyMs: summary(boots.map((b) => b.agentReadyMs)),
    cpuMs: summary(boots.map((b) => b.cpuMs)),
    ...vmResults,
  },
  ...(candidateArgs
    ? {
        candidate: {
          extraKernelArgs: candidateArgs,
          boots: candidateBoots,
          failedBoots: failures.candidate,
          agentReadyMs: summary(candidateBoots.map((b) => b.agentReadyMs)),
          cpuMs: summary(candidateBoots.map((b) => b.cpuMs)),
          ratioToDefault: Number((median(candidateBoots) / median(boots)).toFixed(3)),
          cpuRatioToDefault: Number((medianCpu(candidateBoots) / medianCpu(boots)).toFixed(3)),
        },
      }
    : {}),
  ...(Baseline
    ? {
        baseline: {
          dist: baselineDist,
          boots: baselineBoots,
          failedBoots: failures.baseline,
          agentReadyMs: summary(baselineBoots.map((b) => b.agentReadyMs)),
          cpuMs: summary(baselineBoots.map((b) => b.cpuMs)),
          // Below 1: this build boots faster than the baseline.
          ratioOfThisToBaseline: Number((median(boots) / median(baselineBoots)).toFixed(3)),
          cpuRatioOfThisToBaseline: Number((medianCpu(boots) / medianCpu(baselineBoots)).toFixed(3)),
        },
      }
    : {}),
  goals: { agentReadyMs: 4000, execRoundTripP50Ms: 5 },
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-target.json', `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
