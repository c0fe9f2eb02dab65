/** carrier-off: the far end of the slave's cable goes down, like a pulled cable (a veth loses carrier when its peer goes down). */
import { farPortOf, slaveFault, type SlaveFault } from './definition.js';

export type CarrierOff = SlaveFault<'carrier-off'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'carrier-off': CarrierOff;
  }
}

export const carrierOff = slaveFault('carrier-off', (topology, slave) => {
  const port = farPortOf(topology, slave);
  return {
    argv: ['ip', '-n', topology.far.netns, 'link', 'set', port, 'down'],
    detail: `far side ${port} down (carrier lost on ${slave})`,
  };
});
