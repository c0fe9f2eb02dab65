/**
 * One case in progress: the topology once built, the background sampler, the latest fault, the
 * traffic and throughput measured so far, and the timeline. Step kinds (harness/steps/) act through
 * it; it knows no step kind itself.
 */
import type { BondSnapshot } from '../bond/status.js';
import { FailoverCapture, type FaultCapture } from '../capture/capture.js';
import { evaluate, type CheckContext } from '../check/assertions.js';
import type { FailoverTiming } from '../check/failover.js';
import type { RecordedTimeline } from '../check/timeline-claims.js';
import type { Claim, ScenarioCase, SlaveRef, TimelineOrigin } from '../scenario/plan.js';
import type { Target } from '../target/target.js';
import type { LabLinks } from '../lab/session.js';
import type { KernelLogCapture } from '../target/kmsg.js';
import { onTeardown } from '../target/teardown.js';
import type { FaultEvent, KernelEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';
import { BOND, buildTopology, type BuiltTopology, type PlannedTopology, type Topology } from '../topology/topology.js';
import { ProbePool, probeNamespaces, type TrafficSession } from '../traffic/engine.js';
import type { TrafficWindow } from '../traffic/window.js';
import type { ThroughputResult } from '../traffic/throughput.js';
import { kernelEvents, readBondSnapshot, sampleOf } from './observe.js';
import { probeStartStep } from './probe-start.js';
import type { CheckResult, StepWaits } from './results.js';

export interface SessionOptions {
  runId: string;
  caseIndex: number;
  kernelLog: KernelLogCapture;
  /** How often the background sampler reads the bond's state, in ms. */
  sampleIntervalMs?: number;
  /** With --capture: the run's directory, where each failover's packets are kept. */
  captureDir?: string;
  /** With --lab: the lab's NICs in place of veth pairs. */
  links?: LabLinks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tryOr<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

export class CaseSession {
  readonly timeline: TimelineEvent[] = [];
  readonly windows: TrafficWindow[] = [];
  readonly throughputs: ThroughputResult[] = [];
  readonly failovers: FailoverTiming[] = [];
  readonly probes: ProbePool;
  /** With --capture: the packets around each fault, per traffic window. */
  readonly capture: FailoverCapture | undefined;
  readonly captures: FaultCapture[] = [];
  /** Every sample's time, also those that changed nothing: where the sampler looked, for timeline claims. */
  private readonly sampleTimesNs: bigint[] = [];
  private built: BuiltTopology | undefined;
  private removeTeardown: (() => Promise<void>) | undefined;
  private sampler: Promise<void> | undefined;
  private sampling = false;
  private lastSample: SampleEvent | undefined;
  latestState: BondSnapshot | undefined;
  /** The state sampled just before the latest fault. */
  beforeFault: BondSnapshot | undefined;
  latestFault: FaultEvent | undefined;
  /** The bond's /proc text when a claim first did not hold. */
  procAtFailure: string | undefined;
  /** The running probe flows, between traffic start and stop. */
  traffic: TrafficSession | undefined;
  /** When the current step began, on the target's clock. */
  stepStartNs: bigint;
  /** What the current step waited for so far; the runner takes it at the step's end. */
  private waits: StepWaits = {};
  /** The wait step in which the probes start; undefined: beside the build. */
  private readonly probeStart: number | undefined;

  constructor(
    readonly target: Target,
    readonly scenarioCase: ScenarioCase,
    private readonly options: SessionOptions,
    readonly caseStartNs: bigint,
  ) {
    this.probes = new ProbePool(target);
    this.probeStart = probeStartStep(scenarioCase.steps);
    this.capture = options.captureDir
      ? new FailoverCapture(target, scenarioCase.steps, options.captureDir, `${options.caseIndex}-${scenarioCase.name}`)
      : undefined;
    this.stepStartNs = caseStartNs;
  }

  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  /** The built topology; a step that needs one runs after the build (the runner builds first). */
  get topology(): Topology {
    if (!this.built) throw new Error('the topology does not exist yet');
    return this.built.topology;
  }

  /** The interface a scenario's slaveN is, as the topology named it. */
  slaveName(index: number): string {
    return this.topology.dut.slaves[index] ?? `slave${index} (no such slave)`;
  }

  private get intervalMs(): number {
    return this.options.sampleIntervalMs ?? 50;
  }

  async observe(): Promise<BondSnapshot> {
    const state = await readBondSnapshot(this.target, this.topology);
    this.latestState = state;
    this.sampleTimesNs.push(state.atNs);
    const sample = sampleOf(state);
    const same = (a: SampleEvent, b: SampleEvent) =>
      JSON.stringify({ ...a, atNs: 0, readNs: 0 }) === JSON.stringify({ ...b, atNs: 0, readNs: 0 });
    if (!this.lastSample || !same(sample, this.lastSample)) this.timeline.push(sample);
    this.lastSample = sample;
    return state;
  }

  async build(): Promise<void> {
    if (this.built) throw new Error('the topology is already built');
    const { scenarioCase } = this;
    const built = await buildTopology(this.target, {
      runId: this.options.runId,
      caseIndex: this.options.caseIndex,
      bond: scenarioCase.bond,
      topology: scenarioCase.topology,
      links: this.options.links,
      // Without an idle wait for them, the probes start once their namespaces exist, beside the rest of the build.
      onNamespaces: (topology) => {
        if (this.probeStart === undefined) this.startProbes(topology);
      },
    });
    this.built = built;
    this.removeTeardown = onTeardown(`topology of ${scenarioCase.name}`, built.teardown);
    const firstStart = scenarioCase.steps.findIndex(
      (step) => step.kind === 'traffic' && step.traffic.action === 'start',
    );
    if (firstStart >= 0) this.capture?.begin(built.topology, firstStart);
    this.startSampler();
    await this.settle();
  }

  /**
   * Start the probes of the case's traffic windows, and its counter reader, without waiting for them.
   * A traffic step that cannot be planned fails at that step, with its own message.
   */
  private startProbes(topology: PlannedTopology): void {
    const planned = this.scenarioCase.steps.flatMap((step) =>
      step.kind === 'traffic' && step.traffic.action === 'start' ? [step.traffic.settings] : [],
    );
    if (planned.length)
      this.probes.prewarm(
        tryOr(() => probeNamespaces(topology, planned), []),
        topology.dut.netns,
      );
  }

  /** Called as each step begins: at the idle wait chosen for them (probe-start.ts), the probes start. */
  stepBegins(index: number): void {
    if (index === this.probeStart && this.built) this.startProbes(this.built.topology);
  }

  private startSampler(): void {
    this.sampling = true;
    this.sampler = (async () => {
      while (this.sampling) {
        await this.observe().catch(() => undefined);
        await sleep(this.intervalMs);
      }
    })();
  }

  /**
   * A new bond needs a moment: MII up, ARP replies, an LACP partner with every port distributing
   * (a flow hashed to a port that is not yet distributing is lost). Wait for it, briefly.
   */
  private async settle(): Promise<void> {
    const began = performance.now();
    const deadline = began + 10_000;
    // The kernel's share ends where the last reading that found the bond unsettled began; the
    // polling after it (its sleep and reads) stays the harness's.
    let unsettledAt = began;
    try {
      while (performance.now() < deadline) {
        const readAt = performance.now();
        const state = await this.observe();
        const lacpReady = state.status.slaves.every(
          (s) => s.miiStatus !== 'up' || s.actor?.portStateFlags?.distributing,
        );
        if (
          state.status.miiStatus === 'up' &&
          (this.scenarioCase.bond.mode !== '802.3ad' || (state.status.ad?.activeAggregator?.partnerMac && lacpReady))
        )
          return;
        unsettledAt = readAt;
        await sleep(this.intervalMs);
      }
    } finally {
      this.addWait('settleMs', unsettledAt - began);
    }
  }

  private addWait(kind: keyof StepWaits, ms: number): void {
    if (ms > 0) this.waits[kind] = (this.waits[kind] ?? 0) + ms;
  }

  /** What the step now ending waited for (undefined if nothing); the next step starts from none. */
  takeWaits(): StepWaits | undefined {
    const waits = this.waits;
    this.waits = {};
    return Object.keys(waits).length ? waits : undefined;
  }

  async resolveSlave(ref: SlaveRef): Promise<string> {
    if ('index' in ref) return this.slaveName(ref.index);
    const state = await this.observe();
    // Modes without an active slave (balance-rr, balance-xor, broadcast, 802.3ad) spread over all:
    // for them "the active slave" is the first one.
    return state.status.activeSlave ?? state.status.slaves[0]?.name ?? this.slaveName(0);
  }

  /** Kernel-log bonding events since a time, on the timeline's clock. */
  kernelEvents(sinceNs: bigint = this.caseStartNs): KernelEvent[] {
    return kernelEvents(this.options.kernelLog, sinceNs);
  }

  private origin(since: TimelineOrigin | undefined): { ns: bigint; label: string } | { error: string } {
    const kind = since?.kind ?? (this.latestFault ? 'fault' : 'start');
    switch (kind) {
      case 'fault':
        return this.latestFault
          ? { ns: this.latestFault.startNs, label: `the fault was issued (${this.latestFault.detail})` }
          : { error: 'since: fault, but no fault has happened yet' };
      case 'start':
        return { ns: this.caseStartNs, label: 'the case start' };
      case 'now':
        return { ns: this.stepStartNs, label: 'this step' };
      case 'step': {
        const index = since?.kind === 'step' ? since.index : -1;
        const step = this.timeline.find((e) => e.kind === 'step' && e.index === index);
        return step?.kind === 'step'
          ? { ns: step.startNs, label: `step ${index} (${step.step})` }
          : { error: `since: step ${index}, but step ${index} has not run` };
      }
    }
  }

  private recorded(): RecordedTimeline {
    return {
      events: [...this.timeline, ...this.kernelEvents()],
      sampleTimesNs: this.sampleTimesNs,
      nowNs: this.latestState?.atNs ?? this.caseStartNs,
      bond: BOND,
      slaveName: (index: number) => this.slaveName(index),
      origin: (since) => this.origin(since),
    };
  }

  /**
   * A never claim with a duration is judged once its window is over (and sampled past its end).
   * The wait until the latest window's configured end is the scenario's; the sample past it is the harness's.
   */
  async awaitWindows(claims: Claim[]): Promise<void> {
    let closeNs: bigint | undefined;
    for (const claim of claims) {
      if (claim.kind !== 'never' || claim.duringMs === undefined) continue;
      const from = this.origin(claim.since);
      if ('error' in from) continue;
      const close = from.ns + BigInt(Math.round(claim.duringMs * 1e6));
      if (closeNs === undefined || close > closeNs) closeNs = close;
    }
    if (closeNs === undefined) return;
    const began = performance.now();
    const endNs = closeNs + BigInt(Math.round(this.intervalMs * 1e6));
    const firstNs = await this.target.clockNs();
    for (let now = firstNs; now < endNs; now = await this.target.clockNs())
      await sleep(Math.min(200, Number(endNs - now) / 1e6));
    this.addWait('windowMs', Math.min(performance.now() - began, Number(closeNs - firstNs) / 1e6));
  }

  private checkContext(): CheckContext {
    return {
      before: this.beforeFault,
      latestFault: this.latestFault,
      kernelEvents: this.kernelEvents(this.latestFault?.startNs ?? this.caseStartNs),
      slaveName: (index: number) => this.slaveName(index),
      traffic: this.windows.at(-1),
      throughput: this.throughputs.at(-1),
      arpTarget: this.built?.topology.arpTarget?.ipv4,
      farSideMac: this.built?.topology.far.lagMac,
      recorded: this.built ? this.recorded() : undefined,
    };
  }

  /**
   * Evaluate until every claim holds or the time is up; returns the last evaluation. A claim not
   * decided yet may be decided later: the kernel-log line that pins a change can be read after
   * the sample that showed it.
   */
  async poll(claims: Claim[], withinMs: number): Promise<CheckResult[]> {
    const deadline = performance.now() + withinMs;
    for (;;) {
      const state = await this.observe();
      const checks = evaluate(claims, state, this.checkContext());
      if (checks.every((c) => c.passed) || performance.now() >= deadline) {
        if (!checks.every((c) => c.passed)) this.procAtFailure ??= state.procText;
        return checks;
      }
      await sleep(50);
    }
  }

  /** Stops the sampler, the traffic and the probes; the kernel log joins the timeline; the topology is torn down. */
  async close(passed: boolean): Promise<void> {
    this.sampling = false;
    await this.sampler;
    await this.traffic?.abort();
    await this.capture?.abort();
    await this.probes.close();
    if (!this.built) return;
    this.timeline.push(...this.kernelEvents());
    if (!passed && this.latestState) this.procAtFailure ??= this.latestState.procText;
    await this.removeTeardown?.();
  }
}
