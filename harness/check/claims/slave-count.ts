/** slaves: the number of slaves in the bond. */
import { MAX_SLAVES } from '../../scenario/fragments.js';
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface SlaveCountClaim {
  kind: 'slave-count';
  expected: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'slave-count': SlaveCountClaim;
  }
}

export const slaveCount: ClaimDefinition<SlaveCountClaim> = {
  syntax: {
    keys: { slaves: { type: 'integer', minimum: 0, maximum: MAX_SLAVES, description: 'the number of slaves' } },
    translate: (given) => [{ kind: 'slave-count', expected: Number(given.slaves) }],
  },
  evaluate(claim, state) {
    const slaves = state.status.slaves;
    return check(
      'number of slaves',
      slaves.length === claim.expected,
      claim.expected,
      `${slaves.length} (${slaves.map((s) => s.name).join(', ') || 'none'})`,
    );
  },
};
