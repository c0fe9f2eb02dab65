/** slaveMii: a slave's MII status, per slave. */
import { SLAVE_MII_STATES, type SlaveMiiStatus } from '../../bond/vocabulary.js';
import { slaveRefOf } from '../../scenario/fragments.js';
import type { SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { entriesOf, label, refName, slaveMap, slaveStatus, type ClaimDefinition } from './definition.js';

export interface SlaveMiiClaim {
  kind: 'slave-mii';
  slave: SlaveRef;
  expected: SlaveMiiStatus;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'slave-mii': SlaveMiiClaim;
  }
}

export const slaveMii: ClaimDefinition<SlaveMiiClaim> = {
  syntax: {
    keys: { slaveMii: slaveMap({ enum: [...SLAVE_MII_STATES] }) },
    translate: (given) =>
      entriesOf(given.slaveMii).map(([slave, mii]) => ({
        kind: 'slave-mii',
        slave: slaveRefOf(slave),
        expected: mii as SlaveMiiStatus,
      })),
  },
  evaluate(claim, state, context) {
    const name = refName(claim.slave, context, state);
    const found = slaveStatus(state, name);
    return check(
      `MII status of ${label(claim.slave, context)}`,
      found?.miiStatus === claim.expected,
      claim.expected,
      found ? found.miiStatus : `${name ?? 'it'} is not a slave`,
    );
  },
};
