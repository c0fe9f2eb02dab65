/**
 * throughput: the latest throughput step's total, as a factor of one plain link and in Mbit/s.
 * Under load a machine may not carry what the bond could: such a measurement decides nothing
 * (throughputDoubt), so the verdict cannot flip with the machine's load.
 */
import { MAX_SLAVES } from '../../scenario/fragments.js';
import type { ThroughputResult } from '../../traffic/throughput.js';
import { check, doubt } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface ThroughputClaim {
  kind: 'throughput';
  minFactor?: number;
  minMbps?: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    throughput: ThroughputClaim;
  }
}

/** The one-link reference's two measurements (before and after the bond's) may differ by this share of the larger. */
export const REFERENCE_AGREEMENT = 0.15;
/** One link must carry this share of its rate limit (tbf gives TCP about 95%); less, and the machine slowed it. */
export const REFERENCE_OF_RATE = 0.8;
/**
 * The unshaped plain link must carry this many times what the claim needs before a shortfall
 * counts against the bond: the bond's path (bond, veth, bridge, veth) costs the machine more per
 * packet than one plain veth.
 */
export const CAPACITY_MARGIN = 2;
/** A CPU this busy (or this much stolen by the hypervisor) during the bond's measurement was the limit, not the bond. */
export const SATURATED = 0.9;
export const STOLEN = 0.1;

const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const mbit = (bps: number) => `${(bps / 1e6).toFixed(1)} Mbit/s`;

/**
 * Why a throughput measurement cannot decide its claim, or undefined when it can. A reference
 * link that moved between before and after, or that the machine could not fill, shows a disturbed
 * machine and may have inflated the factor: neither verdict stands on it. Load can only lower the
 * bond's total, so a machine short of capacity (unshaped) or of CPU during the bond's measurement
 * leaves a shortfall undecided, while a pass on a sound reference stands. Results written before
 * these numbers existed carry none and are taken as they are.
 */
export function throughputDoubt(t: ThroughputResult, claim: ThroughputClaim, shortfall: boolean): string | undefined {
  const [before, after] = t.singleLinkRunsBps ?? [];
  if (before !== undefined && after !== undefined) {
    const [low, high] = [Math.min(before, after), Math.max(before, after)];
    if (high > 0 && (high - low) / high > REFERENCE_AGREEMENT)
      return `one link carried ${mbit(before)} before the bond's measurement and ${mbit(after)} after (${pct((high - low) / high)} apart, tolerance ${pct(REFERENCE_AGREEMENT)}): the machine's capacity changed during the measurement`;
    if (t.linkRateBps && low < REFERENCE_OF_RATE * t.linkRateBps)
      return `one link carried ${mbit(low)} of its ${mbit(t.linkRateBps)} limit (under ${pct(REFERENCE_OF_RATE)}): the machine could not fill even one link, so the factor over it means nothing`;
  }
  if (!shortfall) return undefined;
  const needed = Math.max((claim.minFactor ?? 0) * t.singleLinkBps, (claim.minMbps ?? 0) * 1e6);
  if (t.capacityBps !== undefined && t.capacityBps < CAPACITY_MARGIN * needed)
    return `one plain link without a rate limit carried ${mbit(t.capacityBps)} right after the bond's measurement, under ${CAPACITY_MARGIN}x the ${mbit(needed)} the claim needs: the machine, not necessarily the bond, limited the total`;
  if (t.pathCapacityBps !== undefined && t.pathCapacityBps < CAPACITY_MARGIN * needed)
    return `the bond's own links without their rate limits carried ${mbit(t.pathCapacityBps)} right after its measurement, under ${CAPACITY_MARGIN}x the ${mbit(needed)} the claim needs: the rate limit was not what limited the total (the lab's NICs, the machine or the bond was), so the measurement cannot test the claim; a lower linkRate can`;
  const cpu = t.cpu?.bond;
  if (cpu && (cpu.busiest >= SATURATED || cpu.steal >= STOLEN))
    return `during the bond's measurement the busiest CPU was ${pct(cpu.busiest)} busy and ${pct(cpu.steal)} was stolen (limits ${pct(SATURATED)}, ${pct(STOLEN)}): the machine, not necessarily the bond, limited the total`;
  return undefined;
}

export const throughput: ClaimDefinition<ThroughputClaim> = {
  syntax: {
    keys: {
      throughput: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        description: 'claims on the latest throughput step',
        properties: {
          minFactor: {
            type: 'number',
            minimum: 0,
            maximum: MAX_SLAVES,
            description: 'total throughput at least this many times one plain link',
          },
          minMbps: { type: 'number', minimum: 0, maximum: 1_000_000 },
        },
      },
    },
    translate(given) {
      const { minFactor, minMbps } = given.throughput as { minFactor?: number; minMbps?: number };
      return [{ kind: 'throughput', minFactor, minMbps }];
    },
  },
  evaluate(claim, _state, context) {
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
    const actual = `${mbps.toFixed(1)} Mbit/s over ${t.streamsBps.length} stream(s) = ${t.factor.toFixed(2)}x one link (${(t.singleLinkBps / 1e6).toFixed(1)} Mbit/s)${t.capacityBps !== undefined ? `; the machine carried ${mbit(t.capacityBps)} unshaped` : ''}${t.pathCapacityBps !== undefined ? `, the bond's links ${mbit(t.pathCapacityBps)} unshaped` : ''}`;
    const reason = throughputDoubt(t, claim, !ok);
    return reason ? doubt('TCP throughput', wanted, actual, reason) : check('TCP throughput', ok, wanted, actual);
  },
};
