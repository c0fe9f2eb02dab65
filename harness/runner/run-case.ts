/**
 * Runs one scenario case on a target: build the topology, run the steps in order, sample the
 * bond's state in the background, collect the kernel log, and tear everything down whatever
 * happens. Produces a CaseResult.
 */
import { evaluate, isFailed, isInconclusive, type CheckContext } from '../check/assertions.js';
import { faultSeen, failoverTimings, type FailoverTiming } from '../check/failover.js';
import type { RecordedTimeline } from '../check/timeline-claims.js';
import { inflict } from '../fault/faults.js';
import type { ScenarioCase, SlaveRef, Step, TimelineOrigin } from '../scenario/plan.js';
import { run, type Target } from '../target/target.js';
import type { KernelLogCapture } from '../target/kmsg.js';
import { isStopping, onTeardown, sleepUnlessStopped } from '../target/teardown.js';
import type { FaultEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';
import type { LabLinks } from '../lab/session.js';
import { BOND, buildTopology, type BuiltTopology } from '../topology/topology.js';
import { ProbePool, TrafficSession, describeCauses, probeNamespaces, type TrafficWindow } from '../traffic/engine.js';
import { measureThroughput, type ThroughputResult } from '../traffic/throughput.js';
import { kernelEvents, readBondStatus, sampleOf, type BondState } from './observe.js';
import type { CaseResult, CheckResult, StepResult } from './results.js';

function tryOr<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

function signedMs(ms: number | undefined): string {
  return ms === undefined ? '? ms' : `${ms < 0 ? '' : '+'}${ms.toFixed(0)} ms`;
}

export interface CaseOptions {
  runId: string;
  caseIndex: number;
  repetition: number;
  kernelLog: KernelLogCapture;
  /** How often the background sampler reads the bond's state, in ms. */
  sampleIntervalMs?: number;
  /** Called as steps start, for progress output. */
  onStep?: (step: StepResult | { index: number; description: string; running: true }) => void;
  /** With --lab: the lab's NICs in place of veth pairs. */
  links?: LabLinks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeSlave(ref: SlaveRef): string {
  return 'index' in ref ? `slave${ref.index}` : 'the active slave (the first, in modes without one)';
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'build':
      return 'build the topology';
    case 'traffic':
      return `traffic ${step.traffic.action}`;
    case 'fault': {
      const fault = step.fault;
      const slave = 'slave' in fault ? ` ${describeSlave(fault.slave)}` : '';
      const method = 'method' in fault ? ` with ${fault.method}` : '';
      return `${fault.kind}${slave}${method}`;
    }
    case 'wait':
      return `wait ${step.ms} ms`;
    case 'wait-until':
      return `wait until ${step.assertions.length} condition(s) hold (timeout ${step.timeoutMs} ms)`;
    case 'expect':
      return `expect ${step.assertions.length} claim(s)${step.withinMs ? ` within ${step.withinMs} ms` : ''}`;
    case 'hook':
      return `hook: ${step.argv.join(' ')}`;
    case 'throughput':
      return `throughput with ${step.settings.streams ?? 1} stream(s)`;
  }
}

/** Fails a step with checks that did not hold; the runner records them and stops the case. */
class ChecksFailed extends Error {
  constructor(readonly checks: CheckResult[]) {
    super(checks.filter(isFailed).map((c) => `${c.name}: expected ${c.expected}, got ${c.actual}`).join('; '));
  }
}

/** A case's verdict from its steps: failed or error as they were; else inconclusive if a claim could not be decided. */
export function caseStatus(status: CaseResult['status'], steps: StepResult[]): CaseResult['status'] {
  return status === 'passed' && steps.some((step) => step.outcome === 'inconclusive') ? 'inconclusive' : status;
}

export async function runCase(target: Target, scenarioCase: ScenarioCase, options: CaseOptions): Promise<CaseResult> {
  const startedAt = new Date();
  const began = performance.now();
  const timeline: TimelineEvent[] = [];
  const steps: StepResult[] = [];
  const caseStartNs = await target.clockNs();
  let built: BuiltTopology | undefined;
  let removeTeardown: (() => Promise<void>) | undefined;
  let sampler: Promise<void> | undefined;
  let sampling = false;
  let lastSample: SampleEvent | undefined;
  let latestState: BondState | undefined;
  let beforeFault: BondState | undefined;
  let latestFault: FaultEvent | undefined;
  let procAtFailure: string | undefined;
  let status: CaseResult['status'] = 'passed';
  let traffic: TrafficSession | undefined;
  const probes = new ProbePool(target);
  const windows: TrafficWindow[] = [];
  const throughputs: ThroughputResult[] = [];
  const failovers: FailoverTiming[] = [];
  let caseError: string | undefined;
  /** Every sample's time, also those that changed nothing: where the sampler looked, for timeline claims. */
  const sampleTimesNs: bigint[] = [];
  let stepStartNs = caseStartNs;

  const observe = async (): Promise<BondState> => {
    if (!built) throw new Error('the topology does not exist yet');
    const state = await readBondStatus(target, built.topology);
    latestState = state;
    sampleTimesNs.push(state.atNs);
    const sample = sampleOf(state);
    const same = (a: SampleEvent, b: SampleEvent) => JSON.stringify({ ...a, atNs: 0 }) === JSON.stringify({ ...b, atNs: 0 });
    if (!lastSample || !same(sample, lastSample)) {
      timeline.push(sample);
    }
    lastSample = sample;
    return state;
  };

  const startSampler = () => {
    sampling = true;
    sampler = (async () => {
      while (sampling) {
        await observe().catch(() => undefined);
        await sleep(options.sampleIntervalMs ?? 50);
      }
    })();
  };

  const build = async () => {
    if (built) throw new Error('the topology is already built');
    built = await buildTopology(target, {
      runId: options.runId,
      caseIndex: options.caseIndex,
      bond: scenarioCase.bond,
      topology: scenarioCase.topology,
      links: options.links,
    });
    const teardown = built.teardown;
    removeTeardown = onTeardown(`topology of ${scenarioCase.name}`, teardown);
    const planned = scenarioCase.steps.flatMap((step) => (step.kind === 'traffic' && step.traffic.action === 'start' ? [step.traffic.settings] : []));
    // A traffic step that cannot be planned fails at that step, with its own message.
    if (planned.length) probes.prewarm(tryOr(() => probeNamespaces(built!.topology, planned), []));
    startSampler();
    await settle();
  };

  /**
   * A new bond needs a moment: MII up, ARP replies, an LACP partner with every port distributing
   * (a flow hashed to a port that is not yet distributing is lost). Wait for it, briefly.
   */
  const settle = async () => {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const state = await observe();
      const lacpReady = state.status.slaves.every((s) => s.miiStatus !== 'up' || s.actor?.portStateFlags?.distributing);
      if (state.status.miiStatus === 'up' && (scenarioCase.bond.mode !== '802.3ad' || (state.status.ad?.activeAggregator?.partnerMac && lacpReady))) return;
      await sleep(100);
    }
  };

  const resolveSlave = async (ref: SlaveRef): Promise<string> => {
    if ('index' in ref) return `eth${ref.index}`;
    const state = await observe();
    // Modes without an active slave (balance-rr, balance-xor, broadcast, 802.3ad) spread over all:
    // for them "the active slave" is the first one.
    return state.status.activeSlave ?? state.status.slaves[0]?.name ?? 'eth0';
  };

  const origin = (since: TimelineOrigin | undefined): { ns: bigint; label: string } | { error: string } => {
    const kind = since?.kind ?? (latestFault ? 'fault' : 'start');
    switch (kind) {
      case 'fault':
        return latestFault ? { ns: latestFault.startNs, label: `the fault was issued (${latestFault.detail})` } : { error: 'since: fault, but no fault has happened yet' };
      case 'start':
        return { ns: caseStartNs, label: 'the case start' };
      case 'now':
        return { ns: stepStartNs, label: 'this step' };
      case 'step': {
        const index = since?.kind === 'step' ? since.index : -1;
        const step = timeline.find((e) => e.kind === 'step' && e.index === index);
        return step?.kind === 'step' ? { ns: step.startNs, label: `step ${index} (${step.step})` } : { error: `since: step ${index}, but step ${index} has not run` };
      }
    }
  };

  const recorded = (): RecordedTimeline => ({
    events: [...timeline, ...kernelEvents(options.kernelLog, caseStartNs)],
    sampleTimesNs,
    nowNs: latestState?.atNs ?? caseStartNs,
    bond: BOND,
    slaveName: (index: number) => `eth${index}`,
    origin,
  });

  /** A never claim with a duration is judged once its window is over (and sampled past its end). */
  const awaitWindows = async (assertions: Parameters<typeof evaluate>[0]) => {
    for (const claim of assertions) {
      if (claim.kind !== 'never' || claim.duringMs === undefined) continue;
      const from = origin(claim.since);
      if ('error' in from) continue;
      const endNs = from.ns + BigInt(Math.round((claim.duringMs + (options.sampleIntervalMs ?? 50)) * 1e6));
      for (let now = await target.clockNs(); now < endNs; now = await target.clockNs()) await sleep(Math.min(200, Number(endNs - now) / 1e6));
    }
  };

  const checkContext = (): CheckContext => ({
    before: beforeFault,
    latestFault,
    kernelEvents: kernelEvents(options.kernelLog, latestFault?.startNs ?? caseStartNs),
    slaveName: (index: number) => `eth${index}`,
    traffic: windows.at(-1),
    throughput: throughputs.at(-1),
    arpTarget: built?.topology.arpTarget?.ipv4,
    farSideMac: built?.topology.far.lagMac,
    recorded: built ? recorded() : undefined,
  });

  /** Evaluate until none fails (each holds or cannot be decided) or the time is up; returns the last evaluation. */
  const poll = async (assertions: Parameters<typeof evaluate>[0], withinMs: number): Promise<CheckResult[]> => {
    const deadline = performance.now() + withinMs;
    for (;;) {
      const state = await observe();
      const checks = evaluate(assertions, state, checkContext());
      if (!checks.some(isFailed) || performance.now() >= deadline) {
        if (!checks.every((c) => c.passed)) procAtFailure ??= state.procText;
        return checks;
      }
      await sleep(50);
    }
  };

  /** An undecided claim does not stop the case: a later claim may still fail it. */
  const decided = (checks: CheckResult[]) => ({ checks, outcome: checks.some(isInconclusive) ? ('inconclusive' as const) : undefined });

  const runStep = async (step: Step): Promise<{ checks: CheckResult[]; description?: string; outcome?: 'inconclusive' }> => {
    if (step.kind !== 'build' && step.kind !== 'wait' && step.kind !== 'hook' && !built) await build();
    switch (step.kind) {
      case 'build':
        await build();
        return { checks: [] };
      case 'wait':
        await sleepUnlessStopped(step.ms);
        return { checks: [] };
      case 'fault': {
        const slave = 'slave' in step.fault ? await resolveSlave(step.fault.slave) : undefined;
        beforeFault = await observe();
        latestFault = await inflict(target, built!.topology, step.fault, slave);
        timeline.push(latestFault);
        return { checks: [], description: `${describeStep(step)}${slave ? ` (${slave})` : ''}: ${latestFault.detail}` };
      }
      case 'expect': {
        await awaitWindows(step.assertions);
        const checks = await poll(step.assertions, step.withinMs);
        if (checks.some(isFailed)) throw new ChecksFailed(checks);
        return decided(checks);
      }
      case 'wait-until': {
        const checks = await poll(step.assertions, step.timeoutMs);
        if (checks.some(isFailed)) throw new ChecksFailed(checks.map((c) => ({ ...c, name: `wait until ${c.name}` })));
        return decided(checks);
      }
      case 'hook': {
        const netns = step.netns === 'bond' ? built?.topology.dut.netns : step.netns === 'far' ? built?.topology.far.netns : undefined;
        if (step.netns !== 'none' && !netns) throw new Error('the hook runs in a namespace that does not exist yet: build first');
        const result = await run(target, step.argv, { netns, timeoutMs: 60_000 });
        return { checks: [], description: `${describeStep(step)} -> ${result.stdout.trim().split('\n').slice(-1)[0] ?? ''}` };
      }
      case 'throughput': {
        const result = await measureThroughput(target, built!.topology, step.settings);
        throughputs.push(result);
        return { checks: [], description: `throughput: ${(result.totalBps / 1e6).toFixed(1)} Mbit/s in ${result.streamsBps.length} stream(s) (${result.streamsBps.map((b) => (b / 1e6).toFixed(1)).join(', ')}), one link ${(result.singleLinkBps / 1e6).toFixed(1)} Mbit/s, ${result.factor.toFixed(2)}x` };
      }
      case 'traffic': {
        if (step.traffic.action === 'start') {
          if (traffic) throw new Error('traffic is already running: stop it first');
          traffic = await TrafficSession.start(probes, built!.topology, step.traffic.settings);
          return { checks: [] };
        }
        if (!traffic) throw new Error('traffic stop without a traffic start');
        const window = await traffic.stop(timeline.filter((e): e is FaultEvent => e.kind === 'fault'));
        traffic = undefined;
        windows.push(window);
        // Kernel-log events join the timeline at the end of the case; timings need them now.
        const timings = failoverTimings([...timeline, ...kernelEvents(options.kernelLog, caseStartNs)], window, BOND);
        failovers.push(...timings);
        const t = window.totals;
        const failover = timings
          .map((f) => `; failover: state change ${signedMs(f.stateChangeMs)}, delivery again ${signedMs(f.deliveryRestoredMs)} after the fault was issued (its command returned ${signedMs(f.commandMs)})`)
          .join('');
        return {
          checks: [],
          description: `traffic stop: ${t.received}/${t.sent} delivered, ${t.lost} lost (${describeCauses(window)}), ${t.duplicates} duplicates, ${t.reordered} reordered, outage ${t.outageMs.toFixed(1)} ms, delivery gap ${t.deliveryGapMs.toFixed(0)} ms, ${window.achievedPps} of ${window.setPps ?? '?'} pps, sender stalled ${(t.stalledMs ?? 0).toFixed(0)} ms; ${window.perSlave.map((s) => `${s.slave} tx ${(s.txShare * 100).toFixed(0)}%/rx ${(s.rxShare * 100).toFixed(0)}%`).join(', ')}${failover}`,
        };
      }
    }
  };

  /** Each fault gets the moment the kernel saw it, once the kernel log is in the timeline. */
  const annotateFaults = () => {
    const faults = timeline.filter((e): e is FaultEvent => e.kind === 'fault').sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    faults.forEach((fault, i) => {
      const seen = faultSeen(fault, timeline, BOND, faults[i + 1]?.startNs);
      if (seen) Object.assign(fault, seen);
    });
  };

  try {
    for (const [index, step] of scenarioCase.steps.entries()) {
      // After Ctrl-C no fault is inflicted any more: the run is ending.
      if (isStopping()) break;
      options.onStep?.({ index, description: describeStep(step), running: true });
      const stepStart = performance.now();
      const startNs = await target.clockNs();
      stepStartNs = startNs;
      const result: StepResult = { index, kind: step.kind, description: describeStep(step), outcome: 'ok', durationMs: 0, checks: [] };
      try {
        const outcome = await runStep(step);
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
      timeline.push({ kind: 'step', index, step: result.description, startNs, endNs: await target.clockNs(), outcome: result.outcome });
      steps.push(result);
      options.onStep?.(result);
      if (result.outcome !== 'ok' && result.outcome !== 'inconclusive') break;
    }
    if (!built && status === 'passed') await build();
  } catch (error) {
    status = 'error';
    caseError = error instanceof Error ? error.message : String(error);
  } finally {
    sampling = false;
    await sampler;
    await traffic?.abort();
    await probes.close();
    if (built) {
      timeline.push(...kernelEvents(options.kernelLog, caseStartNs));
      annotateFaults();
      if (status !== 'passed' && latestState) procAtFailure ??= latestState.procText;
      await removeTeardown?.();
    }
  }
  timeline.sort((a, b) => {
    const at = (e: TimelineEvent) => ('atNs' in e ? e.atNs : e.startNs);
    return at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0;
  });
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
    traffic: windows,
    throughput: throughputs,
    failovers,
    procAtFailure,
    error: caseError,
  };
}

