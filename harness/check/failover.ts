/**
 * Failover timing: fault -> the bond's state change -> the first packet delivered again, read
 * from the case's timeline (faults, state samples, kernel log) and a traffic window, all on the
 * target's monotonic clock.
 */
import type { FaultEvent, TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/engine.js';

export interface FailoverTiming {
  fault: string;
  faultNs: bigint;
  /** Fault done -> the driver reacted (kernel log), or the first sample that shows a change. */
  stateChangeMs?: number;
  stateChangeBy?: string;
  /** Fault done -> the first packet after the outage was sent (and then delivered). */
  deliveryRestoredMs?: number;
  outageMs: number;
}

const REACTIONS = new Set(['link-down', 'new-active-slave', 'no-active', 'release', 'pending-down']);

/** `bond` is the bond under test: the far side's own bond logs its reactions too, and they do not count. */
export function failoverTimings(timeline: TimelineEvent[], window: TrafficWindow, bond: string): FailoverTiming[] {
  const faults = timeline.filter((e): e is FaultEvent => e.kind === 'fault' && e.endNs >= window.startNs && e.endNs <= window.endNs);
  return faults.map((fault) => {
    const ms = (ns: bigint) => Number(ns - fault.endNs) / 1e6;
    const reaction = timeline.find((e) => e.kind === 'kernel' && e.bond === bond && e.atNs >= fault.startNs && REACTIONS.has(e.event));
    const before = [...timeline].reverse().find((e) => e.kind === 'sample' && e.atNs <= fault.startNs);
    const changed = timeline.find(
      (e) =>
        e.kind === 'sample' &&
        e.atNs >= fault.endNs &&
        before?.kind === 'sample' &&
        (e.activeSlave !== before.activeSlave || JSON.stringify(e.slaves.map((s) => s.mii)) !== JSON.stringify(before.slaves.map((s) => s.mii))),
    );
    const stateChange =
      reaction && reaction.kind === 'kernel'
        ? { ms: ms(reaction.atNs), by: `kernel: ${reaction.text}` }
        : changed && changed.kind === 'sample'
          ? { ms: ms(changed.atNs), by: 'state sample' }
          : undefined;
    const { outageMs, outageStartUs } = window.totals;
    const restoredNs = outageStartUs === undefined ? undefined : BigInt(Math.round((outageStartUs + outageMs * 1000) * 1000));
    return {
      fault: fault.detail,
      faultNs: fault.endNs,
      stateChangeMs: stateChange?.ms,
      stateChangeBy: stateChange?.by,
      deliveryRestoredMs: restoredNs === undefined || restoredNs < fault.startNs ? undefined : ms(restoredNs),
      outageMs,
    };
  });
}
