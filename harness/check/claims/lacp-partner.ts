/** lacpPartner: the active aggregator's partner is the far side's LACP bond (by its system MAC). */
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface LacpPartnerClaim {
  kind: 'lacp-partner';
  expected: 'far-side';
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'lacp-partner': LacpPartnerClaim;
  }
}

export const lacpPartner: ClaimDefinition<LacpPartnerClaim> = {
  syntax: {
    keys: {
      lacpPartner: {
        const: 'far-side',
        description: "the active aggregator's partner MAC is the far side's LACP bond",
      },
    },
    translate: () => [{ kind: 'lacp-partner', expected: 'far-side' }],
  },
  evaluate(_claim, state, context) {
    const partner = state.status.ad?.activeAggregator?.partnerMac ?? 'no active aggregator';
    const expected = context.farSideMac ?? 'a far side with a LAG';
    return check('partner is the far side', partner.toLowerCase() === expected.toLowerCase(), expected, partner);
  },
  refuse: (_claim, { farSide }) =>
    farSide === 'lacp' ? [] : [{ message: `lacpPartner needs an LACP far side (mode 802.3ad), not ${farSide}` }],
};
