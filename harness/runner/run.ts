/**
 * A run: many scenario cases on one target per kernel and worker (--jobs). One VM boots per kernel
 * and worker, not per case; each case gets fresh namespaces; everything is torn down on success, failure and signals.
 */
import { availableParallelism, freemem } from 'node:os';
import { ContainerTarget } from '../container/container-target.js';
import { openEngine, type EngineKind } from '../container/engine.js';
import { ensureImage } from '../container/image.js';
import { formatInputError, type ScenarioCase } from '../scenario/plan.js';
import { HostTarget } from '../target/host.js';
import { requireTcpdump } from '../capture/capture.js';
import { KernelLogCapture } from '../target/kmsg.js';
import type { Target } from '../target/target.js';
import { isStopping, stopSignal } from '../target/teardown.js';
import { packageVersion } from '../package-root.js';
import { newRunId } from '../topology/names.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { cleanupRemote } from '../transport/remote-cleanup.js';
import { openSshTarget, SshTarget, type SshTargetOptions } from '../transport/ssh.js';
import { DEFAULT_KERNEL } from '../vm/kernels.js';
import { VmTarget } from '../vm/vm-target.js';
import { hookRefusals } from './hook-policy.js';
import type { Lab } from '../lab/lab.js';
import { labLockOptions, lockLab, type LabLock } from '../lab/lock.js';
import { labMachine, openRunLab, type LabRun } from '../lab/container.js';
import type { LabRecord } from '../lab/record.js';
import type { LabLinks } from '../lab/session.js';
import { runCase, type CaseOptions } from './run-case.js';
import { runSummary, type CaseResult, type RunResult } from './results.js';
import { summarizeRepeats } from './repeats.js';
import { shardCases, shardLabel, type Shard } from './shard.js';
import { caseCost, longestFirst } from './order.js';

export type TargetKind = 'vm' | 'host' | 'container' | 'ssh';

/** Whether bondlab boots the kernel under test (one target per kernel), or uses the one it finds. */
export function bringsOwnKernel(target: TargetKind, engine: EngineKind | undefined): boolean {
  return target === 'vm' || (target === 'container' && engine === 'vm');
}

export interface RunOptions {
  target: TargetKind;
  /** For the container target: the engine DOCKER_HOST names, or one in a bondlab VM. */
  engine?: EngineKind;
  /** For the container target: the image (bondlab's own by default). */
  image?: string;
  /** For the ssh target: the machine and how to reach it. */
  ssh?: SshTargetOptions;
  /** Kernel for cases that name none (VM target only). */
  kernel?: string;
  repeat?: number;
  /** Run a case whose verdict is inconclusive again, up to this many more times. */
  retryInconclusive?: number;
  bail?: boolean;
  sampleIntervalMs?: number;
  runId?: string;
  /** With --capture: the run's directory; each failover's packets are kept in its captures/. */
  captureDir?: string;
  /** Let hooks with `in: none` run in the machine's own namespaces on the host target (refused otherwise). */
  unsafeHostHooks?: boolean;
  /** Progress: a case starts, a step starts or ends, a case ends. */
  onCaseStart?: (scenarioCase: ScenarioCase, position: { index: number; total: number; repetition: number }) => void;
  /** Progress callbacks get the case's place in the listed order (`index` of onCaseStart): with --jobs, cases overlap. */
  onStep?: (step: Parameters<NonNullable<CaseOptions['onStep']>>[0], index: number) => void;
  onCaseEnd?: (result: CaseResult, index: number) => void;
  /** An inconclusive attempt is about to be run again (the nth retry). */
  onRetry?: (result: CaseResult, retry: number, index: number) => void;
  log?: (line: string) => void;
  /** Cases at once, each worker with a target of its own (targets that boot their own kernel only); 1 by default. */
  jobs?: number;
  /** Run only this shard of the cases (chosen by name, balanced by `durations` when given); recorded in results.json. */
  shard?: Shard;
  /** Recorded durations per case name (an earlier run's), to balance shards by and, with --jobs, to take the longest first. */
  durations?: Map<string, number>;
  /** Run on this lab's NICs instead of veth pairs. */
  lab?: Lab;
}

async function openTarget(kind: TargetKind, kernel: string, runId: string, options: RunOptions): Promise<Target> {
  const log = options.log;
  if (kind === 'host') return new HostTarget();
  if (kind === 'ssh') {
    if (!options.ssh) throw new Error('the ssh target needs a destination');
    const remote = await openSshTarget(options.ssh);
    log?.(`${remote.description} ready`);
    return remote;
  }
  if (kind === 'container') {
    const engine = await openEngine(options.engine ?? 'docker', { kernel, log, emulatedNics: options.lab?.emulated });
    try {
      await ensureImage(engine, options.image, log);
      const container = await ContainerTarget.start({ engine, runId, image: options.image });
      log?.(`${container.description} ready`);
      return container;
    } catch (error) {
      await engine.close();
      throw error;
    }
  }
  const vm = await VmTarget.boot({
    kernel,
    fetch: { log },
    emulatedNics: options.lab?.emulated,
    cpus: guestCpus(Math.max(1, options.jobs ?? 1)),
  });
  log?.(`${vm.description} ready in ${Math.round(vm.timings.agentReadyMs)} ms (${vm.accel.accel}: ${vm.accel.reason})`);
  return vm;
}

/** Bonding loaded with no default bond0, which would otherwise appear by itself. */
async function prepareTarget(target: Target): Promise<void> {
  const loaded = await target.exec(['sh', '-c', 'test -d /sys/module/bonding']);
  if (loaded.exitCode !== 0) {
    const probe = await target.exec(['modprobe', 'bonding', 'max_bonds=0']);
    if (probe.exitCode !== 0) {
      const instead = target.kind === 'container' ? '--engine vm' : '--target vm';
      throw new Error(
        `${target.description} has no bonding driver (modprobe bonding: ${probe.stderr.trim()}); use ${instead}, which boots a kernel that has one`,
      );
    }
  }
}

/**
 * A case a signal cut short. A case that had passed every step, or whose failing step ended
 * before the signal, keeps its verdict.
 */
function markInterrupted(result: CaseResult, stepCount: number, lastStepEnd: number | undefined): void {
  const stop = stopSignal();
  if (!stop) return;
  const completed = result.status === 'passed' && result.steps.length === stepCount;
  const failedBefore = result.status !== 'passed' && lastStepEnd !== undefined && lastStepEnd < stop.at;
  if (completed || failedBefore) return;
  const done = result.steps.filter((step) => step.outcome === 'ok').length;
  result.status = 'interrupted';
  // What failed after the signal is usually its consequence (the target torn down); kept, not headlined.
  const then =
    result.error && !result.error.includes(`interrupted by ${stop.signal}`) ? ` (then: ${result.error})` : '';
  result.error = `interrupted by ${stop.signal} after ${done} of ${stepCount} steps${then}`;
}

/** One case run of the work list: the case, its repetition, and the target (kernel) it needs. */
interface WorkItem {
  /** Its place in the listed order (case by case, repetitions together): where its result goes. */
  ordinal: number;
  scenarioCase: ScenarioCase;
  repetition: number;
  key: string;
}

/**
 * The default for --jobs on targets that boot their own kernel: one worker per two cores (one for
 * the guest's CPU, one for qemu's I/O, the probe and bondlab itself: fewer makes the measurements
 * themselves late), as many as the free memory holds at 1.5 GiB per worker (the VM's 1 GiB, qemu
 * and the run's own share). A lab has one set of NICs: one case at a time.
 */
export function defaultJobs(
  target: TargetKind,
  engine: EngineKind | undefined,
  machine = { cores: availableParallelism(), freeBytes: freemem() },
  lab = false,
): number {
  if (!bringsOwnKernel(target, engine) || lab) return 1;
  return Math.max(1, Math.min(Math.floor(machine.cores / 2), Math.floor(machine.freeBytes / (1.5 * 2 ** 30))));
}

/**
 * Guest CPUs of each worker's VM: two, or one when the workers' vCPUs would outnumber the cores.
 * Under TCG an oversubscribed guest's vCPU threads stall each other (a lock holder's thread off
 * the CPU while another spins): on 2 cores, 8 cases took 1.39x the wall time of --jobs 1 at
 * --jobs 2 with two vCPUs per VM, and 0.68x with one (reports/examples/bench-jobs.json).
 */
export function guestCpus(jobs: number, cores = availableParallelism()): number {
  return jobs * 2 <= cores ? 2 : 1;
}

export async function runScenarios(cases: ScenarioCase[], options: RunOptions): Promise<RunResult> {
  const refused = hookRefusals(cases, options.target, options);
  if (refused.length) throw new Error(refused.map(formatInputError).join('\n'));
  const jobs = Math.max(1, options.jobs ?? 1);
  const suiteIndex = new Map(cases.map((scenarioCase, index) => [scenarioCase, index]));
  const chosen = options.shard ? shardCases(cases, options.shard, options.durations) : cases;
  const ownKernel = bringsOwnKernel(options.target, options.engine);
  // Cases side by side on one kernel would share its log and their bonds' names in it.
  if (jobs > 1 && !ownKernel)
    throw new Error(
      `--jobs ${jobs}: the ${options.target} target has one kernel for all cases; run its cases one at a time (--jobs 1)`,
    );
  const runId = options.runId ?? newRunId();
  const startedAt = new Date();
  const began = performance.now();
  const results: (CaseResult | undefined)[] = [];
  const targets = new Set<string>();
  const repeat = Math.max(1, options.repeat ?? 1);
  const defaultKernel = options.kernel ?? DEFAULT_KERNEL;
  // Each kernel's cases in listed order; a worker keeps its target for as long as its kernel has cases.
  const queues = new Map<string, WorkItem[]>();
  for (const scenarioCase of chosen) {
    const key = ownKernel ? (scenarioCase.kernel ?? defaultKernel) : options.target;
    for (let repetition = 1; repetition <= repeat; repetition++) {
      const queue = queues.get(key) ?? [];
      queue.push({ ordinal: results.length, scenarioCase, repetition, key });
      results.push(undefined);
      queues.set(key, queue);
    }
  }
  // With several workers the longest cases go first, so that no long case is left to run alone at the end.
  if (jobs > 1) {
    const cost = caseCost(chosen, options.durations);
    for (const [key, queue] of queues)
      queues.set(
        key,
        longestFirst(queue, (item) => cost(item.scenarioCase)),
      );
  }
  const total = results.length;
  let bailed = false;
  let broken: unknown;
  const next = (key: string | undefined): WorkItem | undefined => {
    if (bailed || broken !== undefined || isStopping()) return undefined;
    const own = key === undefined ? undefined : queues.get(key)?.shift();
    return own ?? [...queues.values()].find((queue) => queue.length)?.shift();
  };
  let labRecord: LabRecord | undefined;
  let labError: string | undefined;
  const runItem = async (target: Target, capture: KernelLogCapture, item: WorkItem, links: LabLinks | undefined) => {
    const { scenarioCase, repetition, ordinal } = item;
    options.onCaseStart?.(scenarioCase, { index: ordinal, total, repetition });
    let lastStepEnd: number | undefined;
    const attempt = () =>
      runCase(target, scenarioCase, {
        runId,
        caseIndex: ordinal,
        repetition,
        kernelLog: capture,
        links,
        sampleIntervalMs: options.sampleIntervalMs,
        captureDir: options.captureDir,
        onStep: (step) => {
          if (!('running' in step)) lastStepEnd = performance.now();
          options.onStep?.(step, ordinal);
        },
      });
    let result = await attempt();
    // Earlier inconclusive attempts stay in the result: a retry must not hide that the measurement was disturbed.
    const attempts: CaseResult[] = [];
    while (result.status === 'inconclusive' && attempts.length < (options.retryInconclusive ?? 0) && !isStopping()) {
      attempts.push(result);
      options.onRetry?.(result, attempts.length, ordinal);
      result = await attempt();
    }
    if (attempts.length) result = { ...result, attempts };
    if (ownKernel) result.kernel ??= item.key;
    if (options.shard) result.suiteIndex = suiteIndex.get(scenarioCase);
    markInterrupted(result, scenarioCase.steps.length, lastStepEnd);
    results[ordinal] = result;
    options.onCaseEnd?.(result, ordinal);
    if (options.bail && result.status !== 'passed') bailed = true;
  };
  // A worker: a target of its own, opened for the kernel of the case it takes, replaced when that kernel has no cases left.
  const worker = async () => {
    let item = next(undefined);
    while (item) {
      const key = item.key;
      let target: Target;
      try {
        target = await openTarget(options.target, key, runId, options);
      } catch (error) {
        // A signal during boot: nothing was measured on this target.
        if (!isStopping()) broken ??= error;
        return;
      }
      targets.add(target.description);
      let kernelLog: KernelLogCapture | undefined;
      let labSession: LabRun | undefined;
      let labLock: LabLock | undefined;
      try {
        if (options.target === 'host') await cleanupNamespaces(target);
        if (target instanceof SshTarget) await cleanupRemote(target);
        await prepareTarget(target);
        if (options.captureDir) await requireTcpdump(target);
        let caseTarget = target;
        if (options.lab) {
          // A real lab is one machine: workers and other runs take turns; an emulated lab is each VM's own.
          if (!options.lab.emulated)
            labLock = await lockLab(labMachine(target), labLockOptions(options.lab, runId, options.log));
          labSession = await openRunLab(target, options.lab, runId);
          labRecord = labSession.record();
          caseTarget = labSession.target;
        }
        const capture = await KernelLogCapture.start(target);
        kernelLog = capture;
        for (; item && item.key === key; item = next(key))
          await runItem(caseTarget, capture, item, labSession?.links());
      } catch (error) {
        // What fails once a signal has torn the target down is a consequence of the signal.
        if (!isStopping()) broken ??= error;
        item = undefined;
      } finally {
        await kernelLog?.stop();
        await labSession?.close().catch((error: unknown) => {
          labError = error instanceof Error ? error.message : String(error);
        });
        await labLock?.release();
        await target.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, total) }, worker));
  if (broken !== undefined) throw broken instanceof Error ? broken : new Error(`${broken as string}`);
  const done = results.filter((r): r is CaseResult => r !== undefined);
  const stop = stopSignal();
  return {
    runId,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - began,
    bondlabVersion: packageVersion(),
    ...(options.shard ? { shard: shardLabel(options.shard) } : {}),
    targets: [...targets],
    cases: done,
    summary: runSummary(done),
    repeats: summarizeRepeats(done),
    ...(labRecord ? { lab: { ...labRecord, ...(labError ? { restoreError: labError } : {}) } } : {}),
    ...(stop ? { interruption: { signal: stop.signal, notRun: total - done.length } } : {}),
  };
}
