/** linkFailures: a slave's link failure count, exactly or increased by since just before the latest fault. */
import { slaveRefOf, uint } from '../../scenario/fragments.js';
import type { SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { entriesOf, label, refName, slaveMap, slaveStatus, type ClaimDefinition } from './definition.js';

export interface LinkFailuresClaim {
  kind: 'link-failures';
  slave: SlaveRef;
  exactly?: number;
  increasedBy?: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'link-failures': LinkFailuresClaim;
  }
}

export const linkFailures: ClaimDefinition<LinkFailuresClaim> = {
  syntax: {
    keys: {
      linkFailures: slaveMap({
        oneOf: [
          uint,
          { type: 'object', additionalProperties: false, required: ['increasedBy'], properties: { increasedBy: uint } },
        ],
      }),
    },
    translate: (given) =>
      entriesOf(given.linkFailures).map(([slave, count]) =>
        typeof count === 'number'
          ? { kind: 'link-failures', slave: slaveRefOf(slave), exactly: count }
          : {
              kind: 'link-failures',
              slave: slaveRefOf(slave),
              increasedBy: Number((count as { increasedBy: unknown }).increasedBy),
            },
      ),
  },
  evaluate(claim, state, context) {
    const name = refName(claim.slave, context, state);
    const now = slaveStatus(state, name)?.linkFailureCount;
    if (claim.exactly !== undefined) {
      return check(
        `link failure count of ${label(claim.slave, context)}`,
        now === claim.exactly,
        claim.exactly,
        now ?? 'not a slave',
      );
    }
    const before = context.before ? (slaveStatus(context.before, name)?.linkFailureCount ?? 0) : 0;
    const by = claim.increasedBy ?? 1;
    return check(
      `link failure count of ${label(claim.slave, context)} increased by ${by}`,
      now !== undefined && now - before === by,
      `${before + by} (${before} + ${by})`,
      now ?? 'not a slave',
    );
  },
};
