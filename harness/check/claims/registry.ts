/**
 * Every claim kind, by its kind in the plan. A kind is one module of this folder; the mapped type
 * makes a kind without its definition (or a definition of the wrong kind) a compile error. The
 * order is the expect step's schema's and the order in which a group's claims are made.
 */
import type { Claim } from '../../scenario/plan.js';
import { activeSlaveChanged } from './active-slave-changed.js';
import { activeSlave } from './active-slave.js';
import { arpTargets } from './arp-targets.js';
import { bondMii } from './bond-mii.js';
import type { ClaimDefinition, ClaimGroup } from './definition.js';
import { lacpPartner } from './lacp-partner.js';
import { lacpState } from './lacp-state.js';
import { linkFailures } from './link-failures.js';
import { logEvent } from './log-event.js';
import { mode } from './mode.js';
import { never } from './never.js';
import { sameAggregator } from './same-aggregator.js';
import { sequence } from './sequence.js';
import { slaveCount } from './slave-count.js';
import { slaveMii } from './slave-mii.js';
import { throughput } from './throughput.js';
import { trafficBalance } from './traffic-balance.js';
import { trafficDuplicates } from './traffic-duplicates.js';
import { trafficLoss } from './traffic-loss.js';
import { trafficOutage } from './traffic-outage.js';
import { trafficReordering } from './traffic-reordering.js';
import { TRAFFIC_GROUP } from './traffic-window.js';

export type { Claim } from '../../scenario/plan.js';
export type ClaimKind = Claim['kind'];

export const CLAIMS: { [K in ClaimKind]: ClaimDefinition<Extract<Claim, { kind: K }>> } = {
  sequence,
  never,
  mode,
  'active-slave': activeSlave,
  'active-slave-changed': activeSlaveChanged,
  'bond-mii': bondMii,
  'slave-count': slaveCount,
  'slave-mii': slaveMii,
  'link-failures': linkFailures,
  'same-aggregator': sameAggregator,
  'lacp-state': lacpState,
  'arp-targets': arpTargets,
  'lacp-partner': lacpPartner,
  'log-event': logEvent,
  throughput,
  'traffic-outage': trafficOutage,
  'traffic-loss': trafficLoss,
  'traffic-duplicates': trafficDuplicates,
  'traffic-reordering': trafficReordering,
  'traffic-balance': trafficBalance,
};

/** Each group's own schema (its members' keys are its properties). */
export const CLAIM_GROUPS: Record<ClaimGroup, object> = { traffic: TRAFFIC_GROUP };

/** A claim's definition, typed for that claim. */
export function claimDefinition<C extends Claim>(claim: C): ClaimDefinition<C> {
  return CLAIMS[claim.kind] as unknown as ClaimDefinition<C>;
}
