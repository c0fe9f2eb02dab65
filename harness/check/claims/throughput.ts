/** throughput: the latest throughput step's total, as a factor of one plain link and in Mbit/s. */
import { MAX_SLAVES } from '../../scenario/fragments.js';
import { check } from '../check-result.js';
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
    return check(
      'TCP throughput',
      ok,
      wanted,
      `${mbps.toFixed(1)} Mbit/s over ${t.streamsBps.length} stream(s) = ${t.factor.toFixed(2)}x one link (${(t.singleLinkBps / 1e6).toFixed(1)} Mbit/s)`,
    );
  },
};
