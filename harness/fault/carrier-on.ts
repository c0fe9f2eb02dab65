/** carrier-on: the far end of the slave's cable comes up again. */
import { farPortOf, slaveFault, type SlaveFault } from './definition.js';

export type CarrierOn = SlaveFault<'carrier-on'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'carrier-on': CarrierOn;
  }
}

export const carrierOn = slaveFault('carrier-on', (topology, slave) => {
  const port = farPortOf(topology, slave);
  return {
    argv: ['ip', '-n', topology.far.netns, 'link', 'set', port, 'up'],
    detail: `far side ${port} up (carrier back on ${slave})`,
  };
});
