/** sameAggregator: these slaves are in one 802.3ad aggregator. */
import { slaveRef, slaveRefOf } from '../../scenario/fragments.js';
import type { SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { label, refName, slaveStatus, type ClaimDefinition } from './definition.js';

export interface SameAggregatorClaim {
  kind: 'same-aggregator';
  slaves: SlaveRef[];
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'same-aggregator': SameAggregatorClaim;
  }
}

export const sameAggregator: ClaimDefinition<SameAggregatorClaim> = {
  syntax: {
    keys: { sameAggregator: { type: 'array', items: slaveRef, minItems: 2 } },
    translate: (given) => [{ kind: 'same-aggregator', slaves: (given.sameAggregator as string[]).map(slaveRefOf) }],
  },
  evaluate(claim, state, context) {
    const ids = claim.slaves.map((ref) => slaveStatus(state, refName(ref, context, state))?.aggregatorId);
    const same = ids.every((id) => id !== undefined && id === ids[0]);
    return check(
      `${claim.slaves.map((ref) => label(ref, context)).join(' and ')} in one aggregator`,
      same,
      `one aggregator ID`,
      ids.map((id) => id ?? 'none').join(', '),
    );
  },
  slaves: (claim) => claim.slaves,
};
