/** bondMii: the bond's own MII status. */
import { BOND_MII_STATES, type BondMiiStatus } from '../../bond/vocabulary.js';
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface BondMiiClaim {
  kind: 'bond-mii';
  expected: BondMiiStatus;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'bond-mii': BondMiiClaim;
  }
}

export const bondMii: ClaimDefinition<BondMiiClaim> = {
  syntax: {
    keys: { bondMii: { enum: [...BOND_MII_STATES] } },
    translate: (given) => [{ kind: 'bond-mii', expected: given.bondMii as BondMiiStatus }],
  },
  evaluate(claim, state) {
    const actual = state.status.miiStatus;
    return check('bond MII status', actual === claim.expected, claim.expected, actual ?? 'unknown');
  },
};
