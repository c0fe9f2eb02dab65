/**
 * Runs one scenario case on a target: each step through its kind's definition (harness/steps/),
 * over a CaseSession that builds the topology, samples the bond in the background and collects
 * the kernel log; everything is torn down whatever happens. Produces a CaseResult.
 */
import { faultSeen } from '../check/failover.js';
import type { ScenarioCase } from '../scenario/plan.js';
import { ChecksFailed } from '../steps/definition.js';
import { describeStep, stepDefinition } from '../steps/registry.js';
import type { Target } from '../target/target.js';
import type { LabLinks } from '../lab/session.js';
import type { KernelLogCapture } from '../target/kmsg.js';
import { isStopping } from '../target/teardown.js';
import { eventTimeNs, type FaultEvent, type TimelineEvent } from '../timeline/events.js';
import { BOND } from '../topology/topology.js';
import type { CaseResult, StepResult } from './results.js';
import { CaseSession } from './session.js';

export interface CaseOptions {
  runId: string;
  caseIndex: number;
  repetition: number;
  kernelLog: KernelLogCapture;
  /** How often the background sampler reads the bond's state, in ms. */
  sampleIntervalMs?: number;
  /** With --capture: the run's directory, where each failover's packets are kept. */
  captureDir?: string;
  /** With --lab: the lab's NICs in place of veth pairs. */
  links?: LabLinks;
  /** Called as steps start, for progress output. */
  onStep?: (step: StepResult | { index: number; description: string; running: true }) => void;
}

/** A case's verdict from its steps: failed or error as they were; else inconclusive if a claim could not be decided. */
export function caseStatus(status: CaseResult['status'], steps: StepResult[]): CaseResult['status'] {
  return status === 'passed' && steps.some((step) => step.outcome === 'inconclusive') ? 'inconclusive' : status;
}

/** Each fault gets the moment the kernel saw it, once the kernel log is in the timeline. */
function annotateFaults(timeline: TimelineEvent[]): void {
  const faults = timeline
    .filter((e): e is FaultEvent => e.kind === 'fault')
    .sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  faults.forEach((fault, i) => {
    const seen = faultSeen(fault, timeline, BOND, faults[i + 1]?.startNs);
    if (seen) Object.assign(fault, seen);
  });
}

export async function runCase(target: Target, scenarioCase: ScenarioCase, options: CaseOptions): Promise<CaseResult> {
  const startedAt = new Date();
  const began = performance.now();
  const steps: StepResult[] = [];
  const session = new CaseSession(target, scenarioCase, options, await target.clockNs());
  const { timeline } = session;
  let status: CaseResult['status'] = 'passed';
  let caseError: string | undefined;
  // One clock reading serves as a step's end and the next step's start (the case's start for the
  // first): under emulation each reading is a round trip of tens of ms.
  let nextStartNs = session.caseStartNs;
  try {
    for (const [index, step] of scenarioCase.steps.entries()) {
      // After Ctrl-C no fault is inflicted any more: the run is ending.
      if (isStopping()) break;
      const definition = stepDefinition(step);
      options.onStep?.({ index, description: describeStep(step), running: true });
      const stepStart = performance.now();
      const startNs = nextStartNs;
      session.stepStartNs = startNs;
      const result: StepResult = {
        index,
        kind: step.kind,
        description: describeStep(step),
        outcome: 'ok',
        durationMs: 0,
        checks: [],
      };
      try {
        if (definition.needsTopology && !session.isBuilt) await session.build();
        session.stepBegins(index);
        const outcome = await definition.run(session, step);
        result.checks = outcome.checks;
        if (outcome.description) result.description = outcome.description;
        if (outcome.outcome) result.outcome = outcome.outcome;
      } catch (error) {
        if (error instanceof ChecksFailed) {
          result.outcome = 'failed';
          result.checks = error.checks;
          status = 'failed';
        } else {
          result.outcome = 'error';
          result.error = error instanceof Error ? error.message : String(error);
          status = 'error';
          caseError = `step ${index} (${describeStep(step)}): ${result.error}`;
        }
      }
      result.durationMs = performance.now() - stepStart;
      const waits = session.takeWaits();
      if (waits) result.waits = waits;
      nextStartNs = await target.clockNs();
      timeline.push({
        kind: 'step',
        index,
        step: result.description,
        startNs,
        endNs: nextStartNs,
        outcome: result.outcome,
      });
      steps.push(result);
      options.onStep?.(result);
      if (result.outcome !== 'ok' && result.outcome !== 'inconclusive') break;
    }
    if (!session.isBuilt && status === 'passed') await session.build();
  } catch (error) {
    status = 'error';
    caseError = error instanceof Error ? error.message : String(error);
  } finally {
    await session.close(status === 'passed');
    annotateFaults(timeline);
  }
  timeline.sort((a, b) => (eventTimeNs(a) < eventTimeNs(b) ? -1 : eventTimeNs(a) > eventTimeNs(b) ? 1 : 0));
  return {
    name: scenarioCase.name,
    scenario: scenarioCase.scenario,
    file: scenarioCase.file,
    parameters: scenarioCase.parameters,
    repetition: options.repetition,
    target: target.description,
    kernel: scenarioCase.kernel,
    status: caseStatus(status, steps),
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - began,
    steps,
    timeline,
    traffic: session.windows,
    throughput: session.throughputs,
    failovers: session.failovers,
    ...(session.captures.length ? { captures: session.captures } : {}),
    procAtFailure: session.procAtFailure,
    error: caseError,
  };
}
