/**
 * A run: many scenario cases on one target per kernel. One VM boots per kernel, not per case;
 * each case gets fresh namespaces; everything is torn down on success, failure and signals.
 */
import { ContainerTarget } from '../container/container-target.js';
import { openEngine, type EngineKind } from '../container/engine.js';
import { ensureImage } from '../container/image.js';
import { formatInputError, type ScenarioCase } from '../scenario/plan.js';
import { HostTarget } from '../target/host.js';
import { KernelLogCapture } from '../target/kmsg.js';
import type { Target } from '../target/target.js';
import { isStopping, stopSignal } from '../target/teardown.js';
import { newRunId } from '../topology/names.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { DEFAULT_KERNEL } from '../vm/kernels.js';
import { VmTarget } from '../vm/vm-target.js';
import { hookRefusals } from './hook-policy.js';
import type { Lab } from '../lab/lab.js';
import { openLab, type LabRecord } from '../lab/record.js';
import type { LabSession } from '../lab/session.js';
import { runCase, type CaseOptions } from './run-case.js';
import type { CaseResult, RunResult } from './results.js';
import { summarizeRepeats } from './repeats.js';

export type TargetKind = 'vm' | 'host' | 'container';

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
  /** Kernel for cases that name none (VM target only). */
  kernel?: string;
  repeat?: number;
  /** Run a case whose verdict is inconclusive again, up to this many more times. */
  retryInconclusive?: number;
  bail?: boolean;
  sampleIntervalMs?: number;
  runId?: string;
  /** Let hooks with `in: none` run in the machine's own namespaces on the host target (refused otherwise). */
  unsafeHostHooks?: boolean;
  /** Progress: a case starts, a step starts or ends, a case ends. */
  onCaseStart?: (scenarioCase: ScenarioCase, position: { index: number; total: number; repetition: number }) => void;
  onStep?: CaseOptions['onStep'];
  onCaseEnd?: (result: CaseResult) => void;
  /** An inconclusive attempt is about to be run again (the nth retry). */
  onRetry?: (result: CaseResult, retry: number) => void;
  log?: (line: string) => void;
  /** Run on this lab's NICs instead of veth pairs. */
  lab?: Lab;
}

async function openTarget(kind: TargetKind, kernel: string, runId: string, options: RunOptions): Promise<Target> {
  const log = options.log;
  if (kind === 'host') return new HostTarget();
  if (kind === 'container') {
    const engine = await openEngine(options.engine ?? 'docker', { kernel, log });
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
  const vm = await VmTarget.boot({ kernel, fetch: { log }, emulatedNics: options.lab?.emulated });
  log?.(`${vm.description} ready in ${Math.round(vm.timings.agentReadyMs)} ms`);
  return vm;
}

/** Bonding loaded with no default bond0, which would otherwise appear by itself. */
async function prepareTarget(target: Target): Promise<void> {
  const loaded = await target.exec(['sh', '-c', 'test -d /sys/module/bonding']);
  if (loaded.exitCode !== 0) {
    const probe = await target.exec(['modprobe', 'bonding', 'max_bonds=0']);
    if (probe.exitCode !== 0) {
      const instead = target.kind === 'container' ? '--engine vm' : '--target vm';
      throw new Error(`${target.description} has no bonding driver (modprobe bonding: ${probe.stderr.trim()}); use ${instead}, which boots a kernel that has one`);
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
  const then = result.error && !result.error.includes(`interrupted by ${stop.signal}`) ? ` (then: ${result.error})` : '';
  result.error = `interrupted by ${stop.signal} after ${done} of ${stepCount} steps${then}`;
}

export async function runScenarios(cases: ScenarioCase[], options: RunOptions): Promise<RunResult> {
  const refused = hookRefusals(cases, options.target, options);
  if (refused.length) throw new Error(refused.map(formatInputError).join('\n'));
  const runId = options.runId ?? newRunId();
  const startedAt = new Date();
  const began = performance.now();
  const results: CaseResult[] = [];
  const targets: string[] = [];
  const repeat = Math.max(1, options.repeat ?? 1);
  const defaultKernel = options.kernel ?? DEFAULT_KERNEL;
  const groups = new Map<string, ScenarioCase[]>();
  for (const scenarioCase of cases) {
    const key = bringsOwnKernel(options.target, options.engine) ? (scenarioCase.kernel ?? defaultKernel) : options.target;
    groups.set(key, [...(groups.get(key) ?? []), scenarioCase]);
  }
  const total = cases.length * repeat;
  let position = 0;
  let bailed = false;
  let labRecord: LabRecord | undefined;
  let labError: string | undefined;
  for (const [kernel, group] of groups) {
    if (bailed || isStopping()) break;
    let target: Target;
    try {
      target = await openTarget(options.target, kernel, runId, options);
    } catch (error) {
      // A signal during boot: nothing was measured on this target.
      if (isStopping()) break;
      throw error;
    }
    targets.push(target.description);
    let caseTarget = target;
    let kernelLog: KernelLogCapture | undefined;
    let labSession: LabSession | undefined;
    try {
      if (options.target === 'host') await cleanupNamespaces(target);
      await prepareTarget(target);
      if (options.lab) {
        labSession = await openLab(target, options.lab, runId);
        labRecord = labSession.record();
        caseTarget = labSession.target;
      }
      const capture = await KernelLogCapture.start(target);
      kernelLog = capture;
      for (const scenarioCase of group) {
        for (let repetition = 1; repetition <= repeat; repetition++) {
          if (bailed || isStopping()) break;
          options.onCaseStart?.(scenarioCase, { index: position, total, repetition });
          let lastStepEnd: number | undefined;
          const attempt = () =>
            runCase(caseTarget, scenarioCase, {
              runId,
              caseIndex: position,
              repetition,
              kernelLog: capture,
              links: labSession?.links(),
              sampleIntervalMs: options.sampleIntervalMs,
              onStep: (step) => {
                if (!('running' in step)) lastStepEnd = performance.now();
                options.onStep?.(step);
              },
            });
          let result = await attempt();
          // Earlier inconclusive attempts stay in the result: a retry must not hide that the measurement was disturbed.
          const attempts: CaseResult[] = [];
          while (result.status === 'inconclusive' && attempts.length < (options.retryInconclusive ?? 0) && !isStopping()) {
            attempts.push(result);
            options.onRetry?.(result, attempts.length);
            result = await attempt();
          }
          if (attempts.length) result = { ...result, attempts };
          markInterrupted(result, scenarioCase.steps.length, lastStepEnd);
          position++;
          results.push(result);
          options.onCaseEnd?.(result);
          if (options.bail && result.status !== 'passed') bailed = true;
        }
      }
    } catch (error) {
      // What fails once a signal has torn the target down is a consequence of the signal.
      if (!isStopping()) throw error;
    } finally {
      await kernelLog?.stop();
      await labSession?.close().catch((error: unknown) => {
        labError = error instanceof Error ? error.message : String(error);
      });
      await target.close();
    }
  }
  const stop = stopSignal();
  return {
    runId,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - began,
    bondlabVersion: '0.1.0',
    targets,
    cases: results,
    summary: {
      total: results.length,
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      errors: results.filter((r) => r.status === 'error').length,
      inconclusive: results.filter((r) => r.status === 'inconclusive').length,
      interrupted: results.filter((r) => r.status === 'interrupted').length,
    },
    repeats: summarizeRepeats(results),
    ...(labRecord ? { lab: { ...labRecord, ...(labError ? { restoreError: labError } : {}) } } : {}),
    ...(stop ? { interruption: { signal: stop.signal, notRun: total - results.length } } : {}),
  };
}
