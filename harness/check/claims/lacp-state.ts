/** lacpState / partnerLacpState: LACP port-state flags a slave's actor (or its partner) has set. */
import type { LacpPortStateFlags } from '../../bond/status.js';
import { LACP_FLAGS } from '../../bond/vocabulary.js';
import { lacpFlags, slaveRefOf } from '../../scenario/fragments.js';
import type { LacpFlag, SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { entriesOf, label, refName, slaveMap, slaveStatus, type ClaimDefinition } from './definition.js';

export interface LacpStateClaim {
  kind: 'lacp-state';
  slave: SlaveRef;
  flags: LacpFlag[];
  side: 'actor' | 'partner';
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'lacp-state': LacpStateClaim;
  }
}

const FLAG_KEYS: Record<LacpFlag, keyof LacpPortStateFlags> = {
  activity: 'lacpActivity',
  timeout: 'lacpTimeout',
  aggregation: 'aggregation',
  synchronization: 'synchronization',
  collecting: 'collecting',
  distributing: 'distributing',
  defaulted: 'defaulted',
  expired: 'expired',
};

export const lacpState: ClaimDefinition<LacpStateClaim> = {
  syntax: {
    keys: { lacpState: slaveMap(lacpFlags), partnerLacpState: slaveMap(lacpFlags) },
    translate: (given) =>
      Object.entries(given).flatMap(([key, map]) =>
        entriesOf(map).map(([slave, flags]) => ({
          kind: 'lacp-state' as const,
          slave: slaveRefOf(slave),
          flags: flags as LacpFlag[],
          side: key === 'lacpState' ? ('actor' as const) : ('partner' as const),
        })),
      ),
  },
  evaluate(claim, state, context) {
    const found = slaveStatus(state, refName(claim.slave, context, state));
    const flags = (claim.side === 'actor' ? found?.actor : found?.partner)?.portStateFlags;
    const missing = claim.flags.filter((flag) => !flags?.[FLAG_KEYS[flag]]);
    const set = flags ? LACP_FLAGS.filter((flag) => flags[FLAG_KEYS[flag]]) : [];
    return check(
      `${claim.side} LACP state of ${label(claim.slave, context)}`,
      missing.length === 0,
      claim.flags.join(', '),
      flags ? set.join(', ') || 'no flags' : 'no LACP details',
    );
  },
};
