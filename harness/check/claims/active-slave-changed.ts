/** activeSlaveChanged: the active slave changed (or not) since just before the latest fault. */
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface ActiveSlaveChangedClaim {
  kind: 'active-slave-changed';
  expected: boolean;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'active-slave-changed': ActiveSlaveChangedClaim;
  }
}

export const activeSlaveChanged: ClaimDefinition<ActiveSlaveChangedClaim> = {
  syntax: {
    keys: {
      activeSlaveChanged: {
        type: 'boolean',
        description: 'compared with the active slave just before the latest fault',
      },
    },
    translate: (given) => [{ kind: 'active-slave-changed', expected: Boolean(given.activeSlaveChanged) }],
  },
  evaluate(claim, state, context) {
    const before = context.before?.status.activeSlave ?? null;
    const now = state.status.activeSlave ?? null;
    const changed = before !== now;
    return check(
      claim.expected ? 'active slave changed since the latest fault' : 'active slave unchanged since the latest fault',
      changed === claim.expected,
      claim.expected ? `a slave other than ${before ?? 'none'}` : `still ${before ?? 'none'}`,
      now ?? 'none',
    );
  },
};
