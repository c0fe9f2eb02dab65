/**
 * Failover timing: fault -> the bond's state change -> the first packet delivered again, read
 * from the case's timeline (faults, state samples, kernel log) and a traffic window, all on the
 * target's monotonic clock. A fault's time is when its command was issued: under emulation the
 * command can return hundreds of ms after the kernel already reacted.
 */
import type { FaultEvent, KernelEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';

export interface FailoverTiming {
  fault: string;
  /** When the fault's command was issued. */
  faultNs: bigint;
  /** How long the fault's command took to return, in ms. */
  commandMs?: number;
  /** Fault issued -> the kernel saw it (see FaultEvent.seenNs). */
  seenMs?: number;
  /** Fault issued -> the driver reacted (kernel log), or the first sample that shows a change. */
  stateChangeMs?: number;
  stateChangeBy?: string;
  /** Fault issued -> the first packet after the outage was sent (and then delivered); only for an outage the fault can have caused. */
  deliveryRestoredMs?: number;
  outageMs: number;
}

const REACTIONS = new Set(['link-down', 'new-active-slave', 'no-active', 'release', 'pending-down']);
/** Everything the driver logs when a link changes, in either direction: what shows it saw a fault. */
const SEEN = new Set([...REACTIONS, 'link-up', 'pending-up', 'enslave', 'active-up']);

const faultsOf = (timeline: TimelineEvent[]) =>
  timeline
    .filter((e): e is FaultEvent => e.kind === 'fault')
    .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));

function changedFrom(before: SampleEvent | undefined, sample: SampleEvent): boolean {
  if (!before) return false;
  const shape = (s: SampleEvent) => JSON.stringify(s.slaves.map((slave) => [slave.name, slave.mii]));
  return sample.activeSlave !== before.activeSlave || shape(sample) !== shape(before);
}

/**
 * When the kernel saw a fault: the earliest bond reaction at or after its issue and before the next
 * fault, from the kernel log's own timestamps or the first sample that differs from the state before.
 * `bond` is the bond under test: the far side's own bond logs its reactions too.
 */
export function faultSeen(
  fault: FaultEvent,
  timeline: TimelineEvent[],
  bond: string,
  untilNs?: bigint,
): { seenNs: bigint; seenBy: string } | undefined {
  const inRange = (at: bigint) => at >= fault.startNs && (untilNs === undefined || at < untilNs);
  const kernel = timeline.find(
    (e): e is KernelEvent =>
      e.kind === 'kernel' &&
      e.bond === bond &&
      inRange(e.atNs) &&
      SEEN.has(e.event) &&
      (!fault.slave || !e.slave || e.slave === fault.slave || e.event === 'new-active-slave'),
  );
  const samples = timeline.filter((e): e is SampleEvent => e.kind === 'sample');
  const before = samples.filter((s) => s.atNs <= fault.startNs).at(-1);
  const sample = samples.find((s) => inRange(s.atNs) && s.atNs > fault.startNs && changedFrom(before, s));
  if (kernel && (!sample || kernel.atNs <= sample.atNs))
    return { seenNs: kernel.atNs, seenBy: `kernel: ${kernel.text}` };
  return sample ? { seenNs: sample.atNs, seenBy: 'state sample' } : undefined;
}

/**
 * Whether a loss stretch that began at `outageStartUs` (the send time of the last packet delivered
 * before it) can be the fault's doing: it began no earlier than two send intervals before the
 * fault was issued (a packet sent just before may still be in flight when the link goes).
 */
export function outageFollowsFault(outageStartUs: number, fault: FaultEvent, window: TrafficWindow): boolean {
  const slackUs = 2 * (1e6 / Math.max(1, window.settings.rate));
  return outageStartUs * 1000 >= Number(fault.startNs) - slackUs * 1000;
}

/** `bond` is the bond under test: the far side's own bond logs its reactions too, and they do not count. */
export function failoverTimings(timeline: TimelineEvent[], window: TrafficWindow, bond: string): FailoverTiming[] {
  const faults = faultsOf(timeline);
  return faults
    .filter((e) => e.startNs >= window.startNs && e.startNs <= window.endNs)
    .map((fault) => {
      const untilNs = faults[faults.indexOf(fault) + 1]?.startNs;
      const ms = (ns: bigint) => Number(ns - fault.startNs) / 1e6;
      const reaction = timeline.find(
        (e) => e.kind === 'kernel' && e.bond === bond && e.atNs >= fault.startNs && REACTIONS.has(e.event),
      );
      const before = timeline.filter((e): e is SampleEvent => e.kind === 'sample' && e.atNs <= fault.startNs).at(-1);
      const changed = timeline.find(
        (e): e is SampleEvent => e.kind === 'sample' && e.atNs > fault.startNs && changedFrom(before, e),
      );
      const stateChange =
        reaction && reaction.kind === 'kernel'
          ? { ms: ms(reaction.atNs), by: `kernel: ${reaction.text}` }
          : changed
            ? { ms: ms(changed.atNs), by: 'state sample' }
            : undefined;
      const seen = fault.seenNs ?? faultSeen(fault, timeline, bond, untilNs)?.seenNs;
      const { outageMs, outageStartUs } = window.totals;
      const restoredNs =
        outageStartUs === undefined || !outageFollowsFault(outageStartUs, fault, window)
          ? undefined
          : BigInt(Math.round((outageStartUs + outageMs * 1000) * 1000));
      return {
        fault: fault.detail,
        faultNs: fault.startNs,
        commandMs: Number(fault.endNs - fault.startNs) / 1e6,
        seenMs: seen === undefined ? undefined : ms(seen),
        stateChangeMs: stateChange?.ms,
        stateChangeBy: stateChange?.by,
        deliveryRestoredMs:
          restoredNs === undefined || (untilNs !== undefined && restoredNs > untilNs) ? undefined : ms(restoredNs),
        outageMs,
      };
    });
}
