/**
 * Claims on the bond's state and kernel log, evaluated into named checks that say what
 * was expected and what the target showed. Pure: the runner supplies state and context.
 */
import type { BondSnapshot, LacpPortStateFlags, SlaveStatus } from '../bond/status.js';
import { carriesTraffic, LACP_FLAGS } from '../bond/vocabulary.js';
import { percent } from '../report/format.js';
import type { Claim, LacpFlag, SlaveRef } from '../scenario/plan.js';
import type { FaultEvent, KernelEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';
import type { ThroughputResult } from '../traffic/throughput.js';
import { evaluateTimelineClaim, type RecordedTimeline } from './timeline-claims.js';
import { BOND } from '../topology/topology.js';
import { FAILOVER_ONSET_MS, unseenMs, type FailoverLoss } from '../traffic/analyze.js';

/** One named check: what was claimed, and what the target showed. */
export interface CheckResult {
  name: string;
  /** False also when inconclusive: an undecided claim has not passed. */
  passed: boolean;
  expected: string;
  actual: string;
  /**
   * Set when the measurement itself was disturbed (the probe's sender stalled, the kernel's timers
   * ran late, the kernel's log contradicts the probe) so that it can neither pass nor fail the
   * claim: why, in words and numbers. Such a check is inconclusive.
   */
  disturbed?: string;
}

/** A check that neither passed nor failed. */
export function isInconclusive(check: CheckResult): boolean {
  return !check.passed && check.disturbed !== undefined;
}

/** A check that failed on a measurement that can be trusted. */
export function isFailed(check: CheckResult): boolean {
  return !check.passed && check.disturbed === undefined;
}

export interface CheckContext {
  /** The state sampled just before the latest fault, if any fault happened. */
  before?: BondSnapshot;
  latestFault?: FaultEvent;
  /** Kernel-log events since the latest fault (or the case start). */
  kernelEvents: KernelEvent[];
  slaveName(index: number): string;
  /** The latest finished traffic window, for traffic claims. */
  traffic?: TrafficWindow;
  /** The latest throughput measurement. */
  throughput?: ThroughputResult;
  /** The generated ARP target's address, for the arp-target token. */
  arpTarget?: string;
  /** The far side's aggregation bond's MAC, when the far side is a LAG. */
  farSideMac?: string;
  /** The case's recorded timeline, for sequence and never claims. */
  recorded?: RecordedTimeline;
}

/** Below this share of its set rate a probe's window cannot vouch for a bound across a fault. */
export const MIN_RATE_RATIO = 0.8;

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
function longestStallMs(stalls: [number, number][] | undefined, fromUs: number, toUs: number): number {
  return Math.max(0, ...(stalls ?? []).map(([a, b]) => (Math.min(b, toUs) - Math.max(a, fromUs)) / 1000));
}

function trafficCheck(
  claim: Extract<Claim, { kind: `traffic-${string}` }>,
  state: BondSnapshot,
  window: TrafficWindow | undefined,
  context: CheckContext,
): CheckResult {
  if (!window)
    return check(
      claim.kind,
      false,
      'a finished traffic window (traffic: start ... traffic: stop)',
      'no traffic was measured',
    );
  const t = window.totals;
  const fault = context.latestFault;
  const failovers = t.failovers ?? [];
  // The failover the claim is about: the latest fault's inside the window, else the worst one.
  const latest = failovers.find((f) => fault && f.issuedUs === Number(fault.startNs / 1000n));
  const failover: FailoverLoss | undefined = latest ?? [...failovers].sort((a, b) => b.outageMs - a.outageMs)[0];
  const faultInWindow = failover !== undefined;
  const returnedUs = latest && fault ? Number(fault.endNs / 1000n) : (failover?.issuedUs ?? 0);
  const d = disturbance(window, state, context);
  const rate = `the probe sent ${window.achievedPps} of ${window.setPps ?? '?'} packets/s (${percent(d.rateRatio)})`;
  const slowProbe =
    faultInWindow && d.rateRatio < MIN_RATE_RATIO
      ? `${rate}, below ${percent(MIN_RATE_RATIO)} across a fault`
      : undefined;
  const kernelSays = (boundMs: number) =>
    d.noSlaveMs !== undefined && d.noSlaveMs > boundMs
      ? `the kernel's log shows no new active slave until ${d.noSlaveMs.toFixed(0)} ms after the link was surely down, longer than ${boundMs} ms`
      : undefined;
  // Time the sender did not run in which the failover's loss could have hidden: from the issue to `boundMs` after the fault returned.
  const stallIntervals = t.stalls?.map((s): [number, number] => [s.startUs, s.startUs + s.ms * 1000]);
  const hiddenMs = (boundMs: number) =>
    faultInWindow ? unseenMs(stallIntervals, failover.issuedUs, returnedUs + boundMs * 1000) : (t.stalledMs ?? 0);
  const stalls = `sender stalled ${(t.stalledMs ?? 0).toFixed(0)} ms in ${t.stalls?.length ?? 0} stall(s)`;
  switch (claim.kind) {
    case 'traffic-outage': {
      const { minMs = 0, maxMs = Number.POSITIVE_INFINITY } = claim;
      const range = [
        claim.minMs !== undefined ? `>= ${minMs} ms` : '',
        claim.maxMs !== undefined ? `<= ${maxMs} ms` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      // With a fault in the window the claim is about its failover: the loss from its issue until delivery resumed.
      const measured = failover ? failover.outageMs : t.outageMs;
      const where = failover
        ? `failover outage from the fault's issue${failover.beganBeforeMs !== undefined ? ` (delivery had already stopped ${failover.beganBeforeMs.toFixed(0)} ms before it)` : ''}`
        : `longest run of loss${t.outageStartUs !== undefined ? `, starting ${((t.outageStartUs * 1000 - Number(window.startNs)) / 1e6).toFixed(0)} ms into the window` : ''}`;
      const unrelated =
        failover && t.outageMs > measured ? `; longest run of loss of any cause ${t.outageMs.toFixed(1)} ms` : '';
      const actual = `${measured.toFixed(1)} ms, ${where}${unrelated}; longest time with no arrival ${t.deliveryGapMs.toFixed(1)} ms; ${stalls}; ${rate}`;
      const name = `outage ${range}`;
      // The run of loss is bracketed by delivered packets, so the outage was at most `measured`. It was at
      // least that less any sender stall at either edge of the run: a stall between lost packets was outage too.
      const from = failover ? failover.startUs : (t.outageStartUs ?? 0);
      const edgeUs = 5000 + 1e6 / window.settings.rate;
      const edges = (stallIntervals ?? []).filter(
        ([a, b]) =>
          (b > from && a < from + edgeUs) || (b > from + measured * 1000 - edgeUs && a < from + measured * 1000),
      );
      const atLeast = measured - unseenMs(edges, from, from + measured * 1000);
      const seen = failover ? failover.lost > 0 : measured > 0;
      // With no loss seen after a fault, an outage could only have hidden inside one stall: the longest one there bounds it.
      const hiding = (boundMs: number) =>
        faultInWindow && !seen ? longestStallMs(stallIntervals, failover.issuedUs, returnedUs + boundMs * 1000) : 0;
      if (measured > maxMs) {
        if (failover?.beganBeforeMs !== undefined)
          return doubt(
            name,
            range,
            actual,
            `delivery had stopped ${failover.beganBeforeMs.toFixed(0)} ms before the fault was issued: this failover cannot be timed`,
          );
        // The kernel's own log, its late timers allowed for, can prove the claim false whatever disturbed the probe.
        const kernelMs = d.noSlaveMs === undefined ? undefined : d.noSlaveMs - d.lateMs;
        if (kernelMs !== undefined && kernelMs > maxMs) {
          return check(
            name,
            false,
            range,
            `${actual}; the kernel's log shows no new active slave until ${d.noSlaveMs?.toFixed(0)} ms after the link was surely down, ${kernelMs.toFixed(0)} ms even allowing its timers ${d.lateMs.toFixed(0)} ms of lateness`,
          );
        }
        if (atLeast <= maxMs)
          return doubt(
            name,
            range,
            actual,
            `the sender did not run at the edge of the loss: the outage was between ${atLeast.toFixed(0)} and ${measured.toFixed(0)} ms`,
          );
        if (atLeast - d.lateMs <= maxMs)
          return doubt(
            name,
            range,
            actual,
            `at least ${atLeast.toFixed(0)} ms, but the kernel's timers ran up to ${d.lateMs.toFixed(0)} ms late; without that it would be within the bound`,
          );
        return check(name, false, range, actual);
      }
      if (measured < minMs) {
        const hidden = hiding(minMs);
        if (hidden >= minMs)
          return doubt(
            name,
            range,
            actual,
            `no loss seen after the fault, but the sender did not run for ${hidden.toFixed(0)} ms there, where an outage of ${minMs} ms could have hidden`,
          );
        return check(name, false, range, actual);
      }
      if (atLeast < minMs)
        return doubt(
          name,
          range,
          actual,
          `the sender did not run at the edge of the loss: the outage was between ${atLeast.toFixed(0)} and ${measured.toFixed(0)} ms`,
        );
      if (Number.isFinite(maxMs)) {
        const hidden = hiding(maxMs);
        const why =
          kernelSays(maxMs) ??
          (faultInWindow && !seen && slowProbe ? `no loss seen after the fault, and ${slowProbe}` : undefined) ??
          (hidden > maxMs
            ? `no loss seen after the fault, but the sender did not run for ${hidden.toFixed(0)} ms there, where an outage longer than ${maxMs} ms could have hidden`
            : undefined);
        if (why) return doubt(name, range, actual, why);
      }
      return check(name, true, range, actual);
    }
    case 'traffic-loss': {
      const c = t.causes;
      const harness = c?.harness ?? 0;
      const lost = t.lost - harness;
      const ratio = t.sent ? lost / t.sent : 0;
      const expected = `<= ${percent(claim.maxRatio)}`;
      const split = c
        ? `; ${c.failover} in a fault's failover, ${c.unrelated} unrelated, ${harness} lost by the harness (not counted), ${c.notSent} not sent`
        : '';
      const actual = `${percent(ratio)} (${lost} of ${t.sent}${split}); ${stalls}; ${rate}`;
      const name = `loss at most ${percent(claim.maxRatio)}`;
      if (ratio > claim.maxRatio) return check(name, false, expected, actual);
      // Packets the sender would have sent while it stalled across the failover could have been lost. A
      // failover's loss is one run: with none seen it could only hide inside one stall; with some seen,
      // in the stalls at its edges or inside it. Stalls elsewhere in the failover window hide nothing.
      const edgeUs = 5000 + 1e6 / window.settings.rate;
      const unsentMs = !faultInWindow
        ? hiddenMs(FAILOVER_ONSET_MS)
        : failover.lost > 0
          ? unseenMs(stallIntervals, failover.startUs - edgeUs, failover.resumedUs + edgeUs)
          : longestStallMs(stallIntervals, failover.issuedUs, returnedUs + FAILOVER_ONSET_MS * 1000);
      const hiddenPackets = Math.round((unsentMs * (window.setPps ?? 0)) / 1000);
      const expectedByKernel = d.noSlaveMs !== undefined ? (d.noSlaveMs * (window.setPps ?? 0)) / 1000 : 0;
      const why =
        (t.sent && expectedByKernel / t.sent > claim.maxRatio && ratio <= claim.maxRatio
          ? `the kernel's log shows the bond without its active slave for ${d.noSlaveMs?.toFixed(0)} ms after the fault, about ${expectedByKernel.toFixed(0)} packets at the set rate, yet the probe lost ${lost}`
          : undefined) ??
        slowProbe ??
        (faultInWindow && hiddenPackets > 0 && (lost + hiddenPackets) / (t.sent + hiddenPackets) > claim.maxRatio
          ? `the sender did not run for ${unsentMs.toFixed(0)} ms where the failover's loss could have hidden: ${hiddenPackets} packets unsent there could have been lost`
          : undefined);
      return why ? doubt(name, expected, actual, why) : check(name, true, expected, actual);
    }
    case 'traffic-duplicates':
      return check(
        claim.expected ? 'duplicates delivered' : 'no duplicates delivered',
        t.duplicates > 0 === claim.expected,
        claim.expected ? 'some' : 'none',
        `${t.duplicates} of ${t.received}`,
      );
    case 'traffic-reordering':
      return check(
        claim.expected ? 'packets reordered' : 'no packets reordered',
        t.reordered > 0 === claim.expected,
        claim.expected ? 'some' : 'none',
        `${t.reordered} of ${t.received}`,
      );
    case 'traffic-balance': {
      const share = (s: TrafficWindow['perSlave'][number]) => (claim.direction === 'tx' ? s.txShare : s.rxShare);
      const shares = window.perSlave.map((s) => `${s.slave} ${percent(share(s))}`).join(', ');
      const carrying = window.perSlave.filter((s) => carriesTraffic(share(s), window.perSlave.length));
      const top = [...window.perSlave].sort((a, b) => share(b) - share(a))[0];
      const problems: string[] = [];
      if (claim.minSlaves !== undefined && carrying.length < claim.minSlaves)
        problems.push(`${carrying.length} slave(s) carry traffic`);
      if (claim.maxShare !== undefined && top && share(top) > claim.maxShare)
        problems.push(`${top.slave} carries ${percent(share(top))}`);
      if (claim.single && carrying.length !== 1) problems.push(`${carrying.length} slaves carry traffic`);
      if (claim.onActive && top?.slave !== state.status.activeSlave)
        problems.push(`the active slave is ${state.status.activeSlave ?? 'none'}`);
      const wanted = [
        claim.minSlaves !== undefined ? `${claim.minSlaves}+ slaves carrying` : '',
        claim.maxShare !== undefined ? `no slave above ${percent(claim.maxShare)}` : '',
        claim.single ? 'exactly one slave carrying' : '',
        claim.onActive ? 'the active slave carrying' : '',
      ].filter(Boolean);
      return check(
        `${claim.direction} balance over the slaves`,
        problems.length === 0,
        wanted.join(', '),
        `${shares}${problems.length ? ` (${problems.join('; ')})` : ''}`,
      );
    }
  }
}

function refName(ref: SlaveRef | null, context: CheckContext, state: BondSnapshot): string | null {
  if (ref === null) return null;
  return 'index' in ref ? context.slaveName(ref.index) : (state.status.activeSlave ?? null);
}

function label(ref: SlaveRef | null, context: CheckContext): string {
  if (ref === null) return 'none';
  return 'index' in ref ? `slave${ref.index} (${context.slaveName(ref.index)})` : 'the active slave';
}

function slave(state: BondSnapshot, name: string | null): SlaveStatus | undefined {
  return state.status.slaves.find((s) => s.name === name);
}

const FLAG_KEYS: Record<LacpFlag, keyof LacpPortStateFlags> = {
  activity: 'lacpActivity',
  timeout: 'lacpTimeout',
  aggregation: 'aggregation',
  synchronization: 'synchronization',
  collecting: 'collecting',
  distributing: 'distributing',
  defaulted: 'defaulted',
  expired: 'expired',
};

/** A check the measurement cannot decide, with the reason. */
function doubt(name: string, expected: string, actual: string, reason: string): CheckResult {
  return { name, passed: false, expected, actual, disturbed: reason };
}

function check(name: string, passed: boolean, expected: unknown, actual: unknown): CheckResult {
  const show = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'nothing'));
  return { name, passed, expected: show(expected), actual: show(actual) };
}

export function evaluateOne(claim: Claim, state: BondSnapshot, context: CheckContext): CheckResult {
  const status = state.status;
  switch (claim.kind) {
    case 'mode':
      return check('bond mode', status.mode?.name === claim.expected, claim.expected, status.mode?.name ?? 'unknown');
    case 'active-slave': {
      const active = status.activeSlave ?? null;
      if ('is' in claim.expected) {
        const want = refName(claim.expected.is, context, state);
        return check(
          `active slave is ${label(claim.expected.is, context)}`,
          active === want,
          want ?? 'none',
          active ?? 'none',
        );
      }
      const avoid = refName(claim.expected.isNot, context, state);
      return check(
        `active slave is not ${label(claim.expected.isNot, context)}`,
        active !== avoid,
        `not ${avoid ?? 'none'}`,
        active ?? 'none',
      );
    }
    case 'active-slave-changed': {
      const before = context.before?.status.activeSlave ?? null;
      const now = status.activeSlave ?? null;
      const changed = before !== now;
      return check(
        claim.expected
          ? 'active slave changed since the latest fault'
          : 'active slave unchanged since the latest fault',
        changed === claim.expected,
        claim.expected ? `a slave other than ${before ?? 'none'}` : `still ${before ?? 'none'}`,
        now ?? 'none',
      );
    }
    case 'bond-mii':
      return check(
        'bond MII status',
        status.miiStatus === claim.expected,
        claim.expected,
        status.miiStatus ?? 'unknown',
      );
    case 'slave-mii': {
      const name = refName(claim.slave, context, state);
      const found = slave(state, name);
      return check(
        `MII status of ${label(claim.slave, context)}`,
        found?.miiStatus === claim.expected,
        claim.expected,
        found ? found.miiStatus : `${name ?? 'it'} is not a slave`,
      );
    }
    case 'slave-count':
      return check(
        'number of slaves',
        status.slaves.length === claim.expected,
        claim.expected,
        `${status.slaves.length} (${status.slaves.map((s) => s.name).join(', ') || 'none'})`,
      );
    case 'link-failures': {
      const name = refName(claim.slave, context, state);
      const now = slave(state, name)?.linkFailureCount;
      if (claim.exactly !== undefined) {
        return check(
          `link failure count of ${label(claim.slave, context)}`,
          now === claim.exactly,
          claim.exactly,
          now ?? 'not a slave',
        );
      }
      const before = context.before ? (slave(context.before, name)?.linkFailureCount ?? 0) : 0;
      const by = claim.increasedBy ?? 1;
      return check(
        `link failure count of ${label(claim.slave, context)} increased by ${by}`,
        now !== undefined && now - before === by,
        `${before + by} (${before} + ${by})`,
        now ?? 'not a slave',
      );
    }
    case 'same-aggregator': {
      const ids = claim.slaves.map((ref) => slave(state, refName(ref, context, state))?.aggregatorId);
      const same = ids.every((id) => id !== undefined && id === ids[0]);
      return check(
        `${claim.slaves.map((ref) => label(ref, context)).join(' and ')} in one aggregator`,
        same,
        `one aggregator ID`,
        ids.map((id) => id ?? 'none').join(', '),
      );
    }
    case 'lacp-state': {
      const found = slave(state, refName(claim.slave, context, state));
      const flags = (claim.side === 'actor' ? found?.actor : found?.partner)?.portStateFlags;
      const missing = claim.flags.filter((flag) => !flags?.[FLAG_KEYS[flag]]);
      const set = flags ? LACP_FLAGS.filter((flag) => flags[FLAG_KEYS[flag]]) : [];
      return check(
        `${claim.side} LACP state of ${label(claim.slave, context)}`,
        missing.length === 0,
        claim.flags.join(', '),
        flags ? set.join(', ') || 'no flags' : 'no LACP details',
      );
    }
    case 'traffic-outage':
    case 'traffic-loss':
    case 'traffic-duplicates':
    case 'traffic-reordering':
    case 'traffic-balance':
      return trafficCheck(claim, state, context.traffic, context);
    case 'throughput': {
      const t = context.throughput;
      if (!t) return check('throughput', false, 'a throughput step before this claim', 'no throughput was measured');
      const mbps = t.totalBps / 1e6;
      const ok =
        (claim.minFactor === undefined || t.factor >= claim.minFactor) &&
        (claim.minMbps === undefined || mbps >= claim.minMbps);
      const wanted = [
        claim.minFactor !== undefined ? `>= ${claim.minFactor}x one link` : '',
        claim.minMbps !== undefined ? `>= ${claim.minMbps} Mbit/s` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      return check(
        'TCP throughput',
        ok,
        wanted,
        `${mbps.toFixed(1)} Mbit/s over ${t.streamsBps.length} stream(s) = ${t.factor.toFixed(2)}x one link (${(t.singleLinkBps / 1e6).toFixed(1)} Mbit/s)`,
      );
    }
    case 'arp-targets': {
      const targets = status.arpIpTargets ?? [];
      const expected = claim.expected.map((t) => (t === 'arp-target' ? (context.arpTarget ?? t) : t));
      const same = targets.length === expected.length && expected.every((t) => targets.includes(t));
      return check('ARP IP targets', same, expected.join(', '), targets.join(', ') || 'none');
    }
    case 'lacp-partner': {
      const partner = status.ad?.activeAggregator?.partnerMac ?? 'no active aggregator';
      const expected = context.farSideMac ?? 'a far side with a LAG';
      return check('partner is the far side', partner.toLowerCase() === expected.toLowerCase(), expected, partner);
    }
    case 'sequence':
    case 'never':
      return evaluateTimelineClaim(claim, context.recorded);
    case 'log-event': {
      const name = claim.slave ? refName(claim.slave, context, state) : undefined;
      const faultEnd = context.latestFault?.endNs;
      const matches = context.kernelEvents.filter((event) => {
        if (event.event !== claim.event) return false;
        if (name && event.slave !== name) return false;
        if (claim.withinMsOfFault !== undefined && faultEnd !== undefined) {
          // Counted from when the fault's command finished: under emulation starting it alone takes tens of ms.
          const start = context.latestFault?.startNs ?? faultEnd;
          return event.atNs >= start && Number(event.atNs - faultEnd) / 1e6 <= claim.withinMsOfFault;
        }
        return true;
      });
      const what = `kernel log: ${claim.event}${claim.slave ? ` of ${label(claim.slave, context)}` : ''}${claim.withinMsOfFault !== undefined ? ` within ${claim.withinMsOfFault} ms of the fault` : ''}`;
      const first = matches[0];
      const fault = context.latestFault;
      const since = (ns: bigint, from: bigint) => `${ns >= from ? '+' : ''}${(Number(ns - from) / 1e6).toFixed(0)} ms`;
      const when = fault
        ? ` (${since(first?.atNs ?? 0n, fault.startNs)} from the fault's issue; its command returned at ${since(fault.endNs, fault.startNs)})`
        : '';
      const seen = first
        ? `${first.text}${when}`
        : `no such line (${context.kernelEvents.length} bonding lines since: ${context.kernelEvents.map((e) => e.event).join(', ') || 'none'})`;
      return claim.present
        ? check(what, matches.length > 0, 'a matching line', seen)
        : check(`no ${what}`, matches.length === 0, 'no matching line', seen);
    }
  }
}

export function evaluate(claims: Claim[], state: BondSnapshot, context: CheckContext): CheckResult[] {
  return claims.map((claim) => evaluateOne(claim, state, context));
}
