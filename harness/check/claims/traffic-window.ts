/**
 * What the traffic claims share: the latest traffic window (a check that fails without one), and
 * what could have disturbed its measurement of a fault (the probe's stalls and rate, the kernel's
 * late timers, the kernel's own log of the failover).
 */
import type { BondSnapshot } from '../../bond/status.js';
import { percent } from '../../report/format.js';
import { BOND } from '../../topology/topology.js';
import { unseenMs, type FailoverLoss } from '../../traffic/analyze.js';
import type { TrafficWindow } from '../../traffic/window.js';
import { check, type CheckResult } from '../check-result.js';
import type { CheckContext, ClaimDefinition } from './definition.js';

/** Below this share of its set rate a probe's window cannot vouch for a bound across a fault. */
export const MIN_RATE_RATIO = 0.8;

/** The traffic claims' keys are written inside `traffic:`; this is that mapping's own schema. */
export const TRAFFIC_GROUP = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'claims on the latest traffic window (after traffic: stop)',
};

/** A traffic claim's evaluation: judged on the latest window, failed when no traffic was measured. */
export function onWindow<C extends { kind: string }>(
  judge: (claim: C, window: TrafficWindow, state: BondSnapshot, context: CheckContext) => CheckResult,
): ClaimDefinition<C>['evaluate'] {
  return (claim, state, context) =>
    context.traffic
      ? judge(claim, context.traffic, state, context)
      : check(
          claim.kind,
          false,
          'a finished traffic window (traffic: start ... traffic: stop)',
          'no traffic was measured',
        );
}

/** What could have disturbed a window's measurement of a fault, in numbers. */
interface Disturbance {
  /** The probe's achieved rate over its set rate. */
  rateRatio: number;
  /** How far the kernel's timers ran late: delays in its log beyond their setting, its first reaction beyond one miimon interval. */
  lateMs: number;
  /**
   * The kernel's own log (active-backup): the active slave lost, and no new one for this long after
   * its link was surely down (the fault's command had returned, or the kernel had seen it go).
   */
  noSlaveMs?: number;
}

function disturbance(window: TrafficWindow, state: BondSnapshot, context: CheckContext): Disturbance {
  const fault = context.latestFault;
  const events = context.kernelEvents.filter((e) => e.bond === BOND);
  let lateMs = 0;
  for (const [index, pending] of events.entries()) {
    if (pending.event !== 'pending-down' && pending.event !== 'pending-up') continue;
    const delayMs = Number(/in (\d+) ms/.exec(pending.text)?.[1] ?? Number.NaN);
    const done = events
      .slice(index + 1)
      .find(
        (e) => e.slave === pending.slave && e.event === (pending.event === 'pending-down' ? 'link-down' : 'link-up'),
      );
    if (done && Number.isFinite(delayMs)) lateMs = Math.max(lateMs, Number(done.atNs - pending.atNs) / 1e6 - delayMs);
  }
  const miimon = state.status.miimon ?? 0;
  const reaction = fault?.slave
    ? events.find(
        (e) =>
          e.slave === fault.slave && (e.event === 'pending-down' || e.event === 'link-down') && e.atNs >= fault.startNs,
      )
    : undefined;
  if (fault && reaction && miimon > 0) lateMs = Math.max(lateMs, Number(reaction.atNs - fault.endNs) / 1e6 - miimon);
  let noSlaveMs: number | undefined;
  const lostActive =
    fault?.slave !== undefined &&
    fault.startNs >= window.startNs &&
    context.before?.status.activeSlave === fault.slave &&
    state.status.mode?.name === 'active-backup';
  if (fault && lostActive) {
    const next = events.find(
      (e) =>
        e.event === 'new-active-slave' && e.slave !== fault.slave && e.atNs >= fault.startNs && e.atNs <= window.endNs,
    );
    // Under load the fault's command can return after the kernel reacted: the earlier of the two is when the link was surely down.
    const down = reaction && reaction.atNs < fault.endNs ? reaction.atNs : fault.endNs;
    if (next) noSlaveMs = Math.max(0, Number(next.atNs - down) / 1e6);
  }
  return { rateRatio: window.setPps ? window.achievedPps / window.setPps : 1, lateMs: Math.max(0, lateMs), noSlaveMs };
}

/** The longest single stall inside [fromUs, toUs], in ms. */
export function longestStallMs(stalls: [number, number][] | undefined, fromUs: number, toUs: number): number {
  return Math.max(0, ...(stalls ?? []).map(([a, b]) => (Math.min(b, toUs) - Math.max(a, fromUs)) / 1000));
}

/** A window's failover as the outage and loss claims judge it, with what could have disturbed its measurement. */
export interface MeasuredFailover {
  totals: TrafficWindow['totals'];
  /** The failover the claim is about: the latest fault's inside the window, else the worst one. */
  failover?: FailoverLoss;
  faultInWindow: boolean;
  /** When the fault's command returned (µs), or the failover's issue. */
  returnedUs: number;
  /** How long the fault's own command took, when the failover is the latest fault's (ms). */
  commandMs?: number;
  /** How far around a run of loss a sender stall still touches it: one send interval and 5 ms (µs). */
  edgeUs: number;
  disturbance: Disturbance;
  /** The probe's achieved rate, in words. */
  rate: string;
  /** Why the probe was too slow to vouch for a bound across a fault, if it was and kept no record of its stalls. */
  slowProbe?: string;
  /** The kernel's log's objection to an outage bound, if it has one. */
  kernelSays(boundMs: number): string | undefined;
  /** The sender's stalls as [start, end] µs intervals. */
  stallIntervals?: [number, number][];
  /** Time the sender did not run in which the failover's loss could have hidden: from the issue to `boundMs` after the fault returned. */
  hiddenMs(boundMs: number): number;
  /** The sender's stalls, in words. */
  stalls: string;
}

export function measuredFailover(window: TrafficWindow, state: BondSnapshot, context: CheckContext): MeasuredFailover {
  const t = window.totals;
  const fault = context.latestFault;
  const failovers = t.failovers ?? [];
  const latest = failovers.find((f) => fault && f.issuedUs === Number(fault.startNs / 1000n));
  const failover: FailoverLoss | undefined = latest ?? [...failovers].sort((a, b) => b.outageMs - a.outageMs)[0];
  const faultInWindow = failover !== undefined;
  const returnedUs = latest && fault ? Number(fault.endNs / 1000n) : (failover?.issuedUs ?? 0);
  const d = disturbance(window, state, context);
  const rate = `the probe sent ${window.achievedPps} of ${window.setPps ?? '?'} packets/s (${percent(d.rateRatio)})`;
  const stallIntervals = t.stalls?.map((s): [number, number] => [s.startUs, s.startUs + s.ms * 1000]);
  return {
    totals: t,
    failover,
    faultInWindow,
    returnedUs,
    commandMs: latest && fault ? Number(fault.endNs - fault.startNs) / 1e6 : undefined,
    edgeUs: 5000 + 1e6 / window.settings.rate,
    disturbance: d,
    rate,
    // With the sender's stalls on record, they say where it did not run and what could hide there; the
    // rate over the whole window is only the fallback (a probe that keeps no stall record).
    slowProbe:
      faultInWindow && d.rateRatio < MIN_RATE_RATIO && t.stalls === undefined
        ? `${rate}, below ${percent(MIN_RATE_RATIO)} across a fault`
        : undefined,
    kernelSays: (boundMs) =>
      d.noSlaveMs !== undefined && d.noSlaveMs > boundMs
        ? `the kernel's log shows no new active slave until ${d.noSlaveMs.toFixed(0)} ms after the link was surely down, longer than ${boundMs} ms`
        : undefined,
    stallIntervals,
    hiddenMs: (boundMs) =>
      faultInWindow ? unseenMs(stallIntervals, failover.issuedUs, returnedUs + boundMs * 1000) : (t.stalledMs ?? 0),
    stalls: `sender stalled ${(t.stalledMs ?? 0).toFixed(0)} ms in ${t.stalls?.length ?? 0} stall(s)`,
  };
}

/** A claim that the latest window delivered some of something (`expected`), or none. */
export interface PresenceClaim<K extends string> {
  kind: K;
  expected: boolean;
}

/** The definition of a presence claim written `key: expected | forbidden` in `traffic:`, counted by `count` among the received packets. */
export function presenceClaim<K extends string>(
  kind: K,
  key: string,
  names: { some: string; none: string },
  count: (totals: TrafficWindow['totals']) => number,
): ClaimDefinition<PresenceClaim<K>> {
  return {
    syntax: {
      group: 'traffic',
      keys: { [key]: { enum: ['expected', 'forbidden'] } },
      translate: (given) => [{ kind, expected: given[key] === 'expected' }],
    },
    evaluate: onWindow((claim: PresenceClaim<K>, { totals: t }) =>
      check(
        claim.expected ? names.some : names.none,
        count(t) > 0 === claim.expected,
        claim.expected ? 'some' : 'none',
        `${count(t)} of ${t.received}`,
      ),
    ),
  };
}
