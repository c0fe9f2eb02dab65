/** traffic: { maxOutage, minOutage }: bounds on the failover outage (or the longest run of loss) of the latest traffic window. */
import { parseDuration } from '../../scenario/duration.js';
import { duration } from '../../scenario/fragments.js';
import { unseenMs } from '../../traffic/analyze.js';
import { check, doubt } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';
import { longestStallMs, measuredFailover, onWindow } from './traffic-window.js';

export interface TrafficOutageClaim {
  kind: 'traffic-outage';
  maxMs?: number;
  minMs?: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'traffic-outage': TrafficOutageClaim;
  }
}

const ms = (value: unknown) => (value === undefined ? undefined : parseDuration(value as string | number));

export const trafficOutage: ClaimDefinition<TrafficOutageClaim> = {
  syntax: {
    group: 'traffic',
    keys: {
      maxOutage: duration,
      minOutage: { ...duration, description: 'the outage lasts at least this long (a delay that must be honoured)' },
    },
    translate: (given) => [{ kind: 'traffic-outage', maxMs: ms(given.maxOutage), minMs: ms(given.minOutage) }],
  },
  evaluate: onWindow((claim: TrafficOutageClaim, window, state, context) => {
    const m = measuredFailover(window, state, context);
    const { totals: t, failover, faultInWindow, returnedUs, stallIntervals, edgeUs, disturbance: d } = m;
    const { minMs = 0, maxMs = Number.POSITIVE_INFINITY } = claim;
    const range = [claim.minMs !== undefined ? `>= ${minMs} ms` : '', claim.maxMs !== undefined ? `<= ${maxMs} ms` : '']
      .filter(Boolean)
      .join(' and ');
    // With a fault in the window the claim is about its failover: the loss from its issue until delivery resumed.
    const measured = failover ? failover.outageMs : t.outageMs;
    const where = failover
      ? `failover outage from the fault's issue${failover.beganBeforeMs !== undefined ? ` (delivery had already stopped ${failover.beganBeforeMs.toFixed(0)} ms before it)` : ''}`
      : `longest run of loss${t.outageStartUs !== undefined ? `, starting ${((t.outageStartUs * 1000 - Number(window.startNs)) / 1e6).toFixed(0)} ms into the window` : ''}`;
    const unrelated =
      failover && t.outageMs > measured ? `; longest run of loss of any cause ${t.outageMs.toFixed(1)} ms` : '';
    const actual = `${measured.toFixed(1)} ms, ${where}${unrelated}; longest time with no arrival ${t.deliveryGapMs.toFixed(1)} ms; ${m.stalls}; ${m.rate}`;
    const name = `outage ${range}`;
    // The run of loss is bracketed by delivered packets, so the outage was at most `measured`. It was at
    // least that less any sender stall at either edge of the run: a stall between lost packets was outage too.
    const from = failover ? failover.startUs : (t.outageStartUs ?? 0);
    const edges = (stallIntervals ?? []).filter(
      ([a, b]) =>
        (b > from && a < from + edgeUs) || (b > from + measured * 1000 - edgeUs && a < from + measured * 1000),
    );
    const atLeast = measured - unseenMs(edges, from, from + measured * 1000);
    const seen = failover ? failover.lost > 0 : measured > 0;
    // With no loss seen after a fault, an outage could only have hidden inside one stall: the longest one there bounds it.
    const hiding = (boundMs: number) =>
      faultInWindow && !seen && failover
        ? longestStallMs(stallIntervals, failover.issuedUs, returnedUs + boundMs * 1000)
        : 0;
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
      // A starved guest runs the kernel's timers late too, though no delay line shows by how much
      // (802.3ad, no updelay): the fault's own command taking longer than the whole bound is the sign.
      const commandMs = m.commandMs ?? 0;
      if (commandMs > maxMs)
        return doubt(
          name,
          range,
          actual,
          `the guest was starved: the fault's own command took ${commandMs.toFixed(0)} ms, longer than the bound, so the kernel's timers may have run as late`,
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
      // A sender starved at the stamp of the first packet delivered again may have sent it only when it
      // ran again: the loss then lasted up to the end of that stall, not just until the stamp.
      const resumedUs = from + measured * 1000;
      const lateSend = Math.max(
        0,
        ...(stallIntervals ?? [])
          .filter(([a, b]) => a <= resumedUs + edgeUs && b > resumedUs)
          .map(([, b]) => (b - resumedUs) / 1000),
      );
      if (seen && measured + lateSend >= minMs)
        return doubt(
          name,
          range,
          actual,
          `the sender did not run right after the first packet delivered again: the outage was between ${measured.toFixed(0)} and ${(measured + lateSend).toFixed(0)} ms`,
        );
      // Packets cannot pass an active-backup bond before its new active slave: a kernel log that holds
      // the bound shows the probe's stamps were off, not the bond.
      if (seen && d.noSlaveMs !== undefined && d.noSlaveMs >= minMs)
        return doubt(
          name,
          range,
          actual,
          `the kernel's log shows no new active slave until ${d.noSlaveMs.toFixed(0)} ms after the link was surely down, yet the probe saw delivery again after ${measured.toFixed(0)} ms: the probe's timing cannot be trusted`,
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
        m.kernelSays(maxMs) ??
        (faultInWindow && !seen && m.slowProbe ? `no loss seen after the fault, and ${m.slowProbe}` : undefined) ??
        (hidden > maxMs
          ? `no loss seen after the fault, but the sender did not run for ${hidden.toFixed(0)} ms there, where an outage longer than ${maxMs} ms could have hidden`
          : undefined);
      if (why) return doubt(name, range, actual, why);
    }
    return check(name, true, range, actual);
  }),
};
