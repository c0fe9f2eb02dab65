/** carrier-on: the slave's cable has carrier again: its far end comes up, or a lab plugs the cable back. */
import { slaveFault, type SlaveFault } from './definition.js';
import { linkControl } from './link-control.js';

export type CarrierOn = SlaveFault<'carrier-on'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'carrier-on': CarrierOn;
  }
}

export const carrierOn = slaveFault('carrier-on', (topology, slave) => linkControl(topology).carrier(slave, true));
