/** traffic: { maxLoss }: the latest traffic window lost at most this share of what was sent (the harness's own losses not counted). */
import { percent } from '../../report/format.js';
import { FAILOVER_ONSET_MS, unseenMs } from '../../traffic/analyze.js';
import { check, doubt } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';
import { longestStallMs, measuredFailover, onWindow } from './traffic-window.js';

export interface TrafficLossClaim {
  kind: 'traffic-loss';
  maxRatio: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'traffic-loss': TrafficLossClaim;
  }
}

export const trafficLoss: ClaimDefinition<TrafficLossClaim> = {
  syntax: {
    group: 'traffic',
    keys: {
      maxLoss: {
        type: 'string',
        pattern: '^(100(\\.0+)?|\\d{1,2}(\\.\\d+)?)%$',
        description: 'a percentage from 0% to 100%, such as 1%',
      },
    },
    translate: (given) => [
      { kind: 'traffic-loss', maxRatio: Number(`${given.maxLoss as string | number}`.replace('%', '')) / 100 },
    ],
  },
  evaluate: onWindow((claim: TrafficLossClaim, window, state, context) => {
    const m = measuredFailover(window, state, context);
    const { totals: t, disturbance: d } = m;
    const c = t.causes;
    const harness = c?.harness ?? 0;
    const lost = t.lost - harness;
    const ratio = t.sent ? lost / t.sent : 0;
    const expected = `<= ${percent(claim.maxRatio)}`;
    const split = c
      ? `; ${c.failover} in a fault's failover, ${c.unrelated} unrelated, ${harness} lost by the harness (not counted), ${c.notSent} not sent`
      : '';
    const actual = `${percent(ratio)} (${lost} of ${t.sent}${split}); ${m.stalls}; ${m.rate}`;
    const name = `loss at most ${percent(claim.maxRatio)}`;
    if (ratio > claim.maxRatio) return check(name, false, expected, actual);
    // Packets the sender would have sent while it stalled across the failover could have been lost. A
    // failover's loss is one run: with none seen it could only hide inside one stall; with some seen,
    // in the stalls at its edges or inside it. Stalls elsewhere in the failover window hide nothing.
    const { failover, edgeUs } = m;
    const unsentMs = !failover
      ? m.hiddenMs(FAILOVER_ONSET_MS)
      : failover.lost > 0
        ? unseenMs(m.stallIntervals, failover.startUs - edgeUs, failover.resumedUs + edgeUs)
        : longestStallMs(m.stallIntervals, failover.issuedUs, m.returnedUs + FAILOVER_ONSET_MS * 1000);
    const hiddenPackets = Math.round((unsentMs * (window.setPps ?? 0)) / 1000);
    const expectedByKernel = d.noSlaveMs !== undefined ? (d.noSlaveMs * (window.setPps ?? 0)) / 1000 : 0;
    const why =
      (t.sent && expectedByKernel / t.sent > claim.maxRatio && ratio <= claim.maxRatio
        ? `the kernel's log shows the bond without its active slave for ${d.noSlaveMs?.toFixed(0)} ms after the fault, about ${expectedByKernel.toFixed(0)} packets at the set rate, yet the probe lost ${lost}`
        : undefined) ??
      m.slowProbe ??
      (m.faultInWindow && hiddenPackets > 0 && (lost + hiddenPackets) / (t.sent + hiddenPackets) > claim.maxRatio
        ? `the sender did not run for ${unsentMs.toFixed(0)} ms where the failover's loss could have hidden: ${hiddenPackets} packets unsent there could have been lost`
        : undefined);
    return why ? doubt(name, expected, actual, why) : check(name, true, expected, actual);
  }),
};
