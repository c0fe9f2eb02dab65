/** link-up: the slave's own link comes up again (the bond's side). */
import { slaveFault, type SlaveFault } from './definition.js';

export type LinkUp = SlaveFault<'link-up'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'link-up': LinkUp;
  }
}

export const linkUp = slaveFault('link-up', (topology, slave) => ({
  argv: ['ip', '-n', topology.dut.netns, 'link', 'set', slave, 'up'],
  detail: `ip link set ${slave} up`,
}));
