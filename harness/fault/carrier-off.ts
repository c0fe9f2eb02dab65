/** carrier-off: the slave's cable loses carrier, like a pulled cable: its far end goes down (a veth loses carrier when its peer does), or a lab pulls the cable itself. */
import { slaveFault, type SlaveFault } from './definition.js';
import { linkControl } from './link-control.js';

export type CarrierOff = SlaveFault<'carrier-off'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'carrier-off': CarrierOff;
  }
}

export const carrierOff = slaveFault('carrier-off', (topology, slave) => linkControl(topology).carrier(slave, false));
