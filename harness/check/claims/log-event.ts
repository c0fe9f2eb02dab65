/** log: a kernel-log event (of a slave, within a time of the latest fault) is present, or absent. */
import { LOG_EVENT_KINDS } from '../../bond/vocabulary.js';
import { parseDuration } from '../../scenario/duration.js';
import { duration, slaveRef, slaveRefOf } from '../../scenario/fragments.js';
import type { LogEventKind, SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { label, refName, type ClaimDefinition } from './definition.js';

export interface LogEventClaim {
  kind: 'log-event';
  event: LogEventKind;
  slave?: SlaveRef;
  withinMsOfFault?: number;
  present: boolean;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'log-event': LogEventClaim;
  }
}

interface LogEntry {
  event: LogEventKind;
  slave?: string;
  within?: string | number;
  absent?: boolean;
}

export const logEvent: ClaimDefinition<LogEventClaim> = {
  syntax: {
    keys: {
      log: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['event'],
          properties: {
            event: { enum: [...LOG_EVENT_KINDS] },
            slave: slaveRef,
            within: duration,
            absent: { type: 'boolean' },
          },
        },
      },
    },
    translate: (given) =>
      (given.log as LogEntry[]).map((entry) => ({
        kind: 'log-event',
        event: entry.event,
        slave: entry.slave === undefined ? undefined : slaveRefOf(`${entry.slave}`),
        withinMsOfFault: entry.within === undefined ? undefined : parseDuration(entry.within),
        present: entry.absent !== true,
      })),
  },
  evaluate(claim, state, context) {
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
  },
};
