/**
 * Assertions on the bond's state and kernel log, evaluated into named checks that say what
 * was expected and what the target showed. Pure: the runner supplies state and context.
 */
import type { BondStatus, LacpPortStateFlags, SlaveStatus } from '../bond/status.js';
import type { Assertion, LacpFlag, SlaveRef } from '../scenario/plan.js';
import type { FaultEvent, KernelEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/engine.js';
import type { ThroughputResult } from '../traffic/throughput.js';
import { outageFollowsFault } from './failover.js';
import { evaluateTimelineClaim, type RecordedTimeline } from './timeline-claims.js';

/** One named check: what was claimed, and what the target showed. */
export interface CheckResult {
  name: string;
  passed: boolean;
  expected: string;
  actual: string;
  /** Set when the measurement itself was disturbed (e.g. a sampler gap where the claim's answer lies): the reason, in words and numbers. */
  disturbed?: string;
}

/** What a check sees: the bond now, and the bond just before the latest fault. */
export interface BondState {
  atNs: bigint;
  status: BondStatus;
  procText: string;
}

export interface CheckContext {
  /** The state sampled just before the latest fault, if any fault happened. */
  before?: BondState;
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

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

function trafficCheck(assertion: Extract<Assertion, { kind: `traffic-${string}` }>, state: BondState, window: TrafficWindow | undefined, fault: FaultEvent | undefined): CheckResult {
  if (!window) return check(assertion.kind, false, 'a finished traffic window (traffic: start ... traffic: stop)', 'no traffic was measured');
  const t = window.totals;
  // When the gap began, relative to the latest fault if one fell in the window, else to the window's start.
  const faultNote = (startUs: number | undefined) => {
    if (startUs === undefined) return '';
    // A fault's time is when its command was issued: the kernel can react long before the command returns.
    const inWindow = fault && fault.startNs >= window.startNs && fault.startNs <= window.endNs;
    const origin = inWindow ? Number(fault.startNs) : Number(window.startNs);
    const ms = (startUs * 1000 - origin) / 1e6;
    if (!inWindow) return `, starting ${ms.toFixed(0)} ms into the window`;
    if (!outageFollowsFault(startUs, fault, window)) return `, starting ${(-ms).toFixed(0)} ms before the fault was issued: not caused by it`;
    return `, starting ${ms >= 0 ? '+' : ''}${ms.toFixed(0)} ms from the fault`;
  };
  switch (assertion.kind) {
    case 'traffic-outage':
    {
      const { minMs = 0, maxMs = Number.POSITIVE_INFINITY } = assertion;
      const range = [assertion.minMs !== undefined ? `>= ${minMs} ms` : '', assertion.maxMs !== undefined ? `<= ${maxMs} ms` : ''].filter(Boolean).join(' and ');
      return check(`outage ${range}`, t.outageMs >= minMs && t.outageMs <= maxMs, range, `${t.outageMs.toFixed(1)} ms${faultNote(t.outageStartUs)} (longest time with no arrival: ${t.deliveryGapMs.toFixed(1)} ms)`);
    }
    case 'traffic-loss':
      return check(`loss at most ${percent(assertion.maxRatio)}`, t.lossRatio <= assertion.maxRatio, `<= ${percent(assertion.maxRatio)}`, `${percent(t.lossRatio)} (${t.lost} of ${t.sent})`);
    case 'traffic-duplicates':
      return check(assertion.expected ? 'duplicates delivered' : 'no duplicates delivered', (t.duplicates > 0) === assertion.expected, assertion.expected ? 'some' : 'none', `${t.duplicates} of ${t.received}`);
    case 'traffic-reordering':
      return check(assertion.expected ? 'packets reordered' : 'no packets reordered', (t.reordered > 0) === assertion.expected, assertion.expected ? 'some' : 'none', `${t.reordered} of ${t.received}`);
    case 'traffic-balance': {
      const share = (s: TrafficWindow['perSlave'][number]) => (assertion.direction === 'tx' ? s.txShare : s.rxShare);
      const shares = window.perSlave.map((s) => `${s.slave} ${percent(share(s))}`).join(', ');
      const fair = 1 / Math.max(1, window.perSlave.length);
      const carrying = window.perSlave.filter((s) => share(s) >= fair / 10);
      const top = [...window.perSlave].sort((a, b) => share(b) - share(a))[0];
      const problems: string[] = [];
      if (assertion.minSlaves !== undefined && carrying.length < assertion.minSlaves) problems.push(`${carrying.length} slave(s) carry traffic`);
      if (assertion.maxShare !== undefined && top && share(top) > assertion.maxShare) problems.push(`${top.slave} carries ${percent(share(top))}`);
      if (assertion.single && carrying.length !== 1) problems.push(`${carrying.length} slaves carry traffic`);
      if (assertion.onActive && top?.slave !== state.status.activeSlave) problems.push(`the active slave is ${state.status.activeSlave ?? 'none'}`);
      const wanted = [
        assertion.minSlaves !== undefined ? `${assertion.minSlaves}+ slaves carrying` : '',
        assertion.maxShare !== undefined ? `no slave above ${percent(assertion.maxShare)}` : '',
        assertion.single ? 'exactly one slave carrying' : '',
        assertion.onActive ? 'the active slave carrying' : '',
      ].filter(Boolean);
      return check(`${assertion.direction} balance over the slaves`, problems.length === 0, wanted.join(', '), `${shares}${problems.length ? ` (${problems.join('; ')})` : ''}`);
    }
  }
}

function refName(ref: SlaveRef | null, context: CheckContext, state: BondState): string | null {
  if (ref === null) return null;
  return 'index' in ref ? context.slaveName(ref.index) : (state.status.activeSlave ?? null);
}

function label(ref: SlaveRef | null, context: CheckContext): string {
  if (ref === null) return 'none';
  return 'index' in ref ? `slave${ref.index} (${context.slaveName(ref.index)})` : 'the active slave';
}

function slave(state: BondState, name: string | null): SlaveStatus | undefined {
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

function check(name: string, passed: boolean, expected: unknown, actual: unknown): CheckResult {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? 'nothing');
  return { name, passed, expected: show(expected), actual: show(actual) };
}

export function evaluateOne(assertion: Assertion, state: BondState, context: CheckContext): CheckResult {
  const status = state.status;
  switch (assertion.kind) {
    case 'mode':
      return check('bond mode', status.mode?.name === assertion.expected, assertion.expected, status.mode?.name ?? 'unknown');
    case 'active-slave': {
      const active = status.activeSlave ?? null;
      if ('is' in assertion.expected) {
        const want = refName(assertion.expected.is, context, state);
        return check(`active slave is ${label(assertion.expected.is, context)}`, active === want, want ?? 'none', active ?? 'none');
      }
      const avoid = refName(assertion.expected.isNot, context, state);
      return check(`active slave is not ${label(assertion.expected.isNot, context)}`, active !== avoid, `not ${avoid ?? 'none'}`, active ?? 'none');
    }
    case 'active-slave-changed': {
      const before = context.before?.status.activeSlave ?? null;
      const now = status.activeSlave ?? null;
      const changed = before !== now;
      return check(
        assertion.expected ? 'active slave changed since the latest fault' : 'active slave unchanged since the latest fault',
        changed === assertion.expected,
        assertion.expected ? `a slave other than ${before ?? 'none'}` : `still ${before ?? 'none'}`,
        now ?? 'none',
      );
    }
    case 'bond-mii':
      return check('bond MII status', status.miiStatus === assertion.expected, assertion.expected, status.miiStatus ?? 'unknown');
    case 'slave-mii': {
      const name = refName(assertion.slave, context, state);
      const found = slave(state, name);
      return check(`MII status of ${label(assertion.slave, context)}`, found?.miiStatus === assertion.expected, assertion.expected, found ? found.miiStatus : `${name ?? 'it'} is not a slave`);
    }
    case 'slave-count':
      return check('number of slaves', status.slaves.length === assertion.expected, assertion.expected, `${status.slaves.length} (${status.slaves.map((s) => s.name).join(', ') || 'none'})`);
    case 'link-failures': {
      const name = refName(assertion.slave, context, state);
      const now = slave(state, name)?.linkFailureCount;
      if (assertion.exactly !== undefined) {
        return check(`link failure count of ${label(assertion.slave, context)}`, now === assertion.exactly, assertion.exactly, now ?? 'not a slave');
      }
      const before = context.before ? slave(context.before, name)?.linkFailureCount ?? 0 : 0;
      const by = assertion.increasedBy ?? 1;
      return check(
        `link failure count of ${label(assertion.slave, context)} increased by ${by}`,
        now !== undefined && now - before === by,
        `${before + by} (${before} + ${by})`,
        now ?? 'not a slave',
      );
    }
    case 'same-aggregator': {
      const ids = assertion.slaves.map((ref) => slave(state, refName(ref, context, state))?.aggregatorId);
      const same = ids.every((id) => id !== undefined && id === ids[0]);
      return check(`${assertion.slaves.map((ref) => label(ref, context)).join(' and ')} in one aggregator`, same, `one aggregator ID`, ids.map((id) => id ?? 'none').join(', '));
    }
    case 'lacp-state': {
      const found = slave(state, refName(assertion.slave, context, state));
      const flags = (assertion.side === 'actor' ? found?.actor : found?.partner)?.portStateFlags;
      const missing = assertion.flags.filter((flag) => !flags?.[FLAG_KEYS[flag]]);
      const set = flags ? (Object.keys(FLAG_KEYS) as LacpFlag[]).filter((flag) => flags[FLAG_KEYS[flag]]) : [];
      return check(`${assertion.side} LACP state of ${label(assertion.slave, context)}`, missing.length === 0, assertion.flags.join(', '), flags ? set.join(', ') || 'no flags' : 'no LACP details');
    }
    case 'traffic-outage':
    case 'traffic-loss':
    case 'traffic-duplicates':
    case 'traffic-reordering':
    case 'traffic-balance':
      return trafficCheck(assertion, state, context.traffic, context.latestFault);
    case 'throughput': {
      const t = context.throughput;
      if (!t) return check('throughput', false, 'a throughput step before this claim', 'no throughput was measured');
      const mbps = t.totalBps / 1e6;
      const ok = (assertion.minFactor === undefined || t.factor >= assertion.minFactor) && (assertion.minMbps === undefined || mbps >= assertion.minMbps);
      const wanted = [assertion.minFactor !== undefined ? `>= ${assertion.minFactor}x one link` : '', assertion.minMbps !== undefined ? `>= ${assertion.minMbps} Mbit/s` : ''].filter(Boolean).join(' and ');
      return check('TCP throughput', ok, wanted, `${mbps.toFixed(1)} Mbit/s over ${t.streamsBps.length} stream(s) = ${t.factor.toFixed(2)}x one link (${(t.singleLinkBps / 1e6).toFixed(1)} Mbit/s)`);
    }
    case 'arp-targets': {
      const targets = status.arpIpTargets ?? [];
      const expected = assertion.expected.map((t) => (t === 'arp-target' ? (context.arpTarget ?? t) : t));
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
      return evaluateTimelineClaim(assertion, context.recorded);
    case 'log-event': {
      const name = assertion.slave ? refName(assertion.slave, context, state) : undefined;
      const faultEnd = context.latestFault?.endNs;
      const matches = context.kernelEvents.filter((event) => {
        if (event.event !== assertion.event) return false;
        if (name && event.slave !== name) return false;
        if (assertion.withinMsOfFault !== undefined && faultEnd !== undefined) {
          // Counted from when the fault's command finished: under emulation starting it alone takes tens of ms.
          const start = context.latestFault?.startNs ?? faultEnd;
          return event.atNs >= start && Number(event.atNs - faultEnd) / 1e6 <= assertion.withinMsOfFault;
        }
        return true;
      });
      const what = `kernel log: ${assertion.event}${assertion.slave ? ` of ${label(assertion.slave, context)}` : ''}${assertion.withinMsOfFault !== undefined ? ` within ${assertion.withinMsOfFault} ms of the fault` : ''}`;
      const first = matches[0];
      const fault = context.latestFault;
      const since = (ns: bigint, from: bigint) => `${ns >= from ? '+' : ''}${(Number(ns - from) / 1e6).toFixed(0)} ms`;
      const when = fault ? ` (${since(first?.atNs ?? 0n, fault.startNs)} from the fault's issue; its command returned at ${since(fault.endNs, fault.startNs)})` : '';
      const seen = first ? `${first.text}${when}` : `no such line (${context.kernelEvents.length} bonding lines since: ${context.kernelEvents.map((e) => e.event).join(', ') || 'none'})`;
      return assertion.present ? check(what, matches.length > 0, 'a matching line', seen) : check(`no ${what}`, matches.length === 0, 'no matching line', seen);
    }
  }
}

export function evaluate(assertions: Assertion[], state: BondState, context: CheckContext): CheckResult[] {
  return assertions.map((assertion) => evaluateOne(assertion, state, context));
}
