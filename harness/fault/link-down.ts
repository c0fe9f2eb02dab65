/** link-down: the slave's own link goes down (the bond's side). */
import { slaveFault, type SlaveFault } from './definition.js';

export type LinkDown = SlaveFault<'link-down'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'link-down': LinkDown;
  }
}

export const linkDown = slaveFault('link-down', (topology, slave) => ({
  argv: ['ip', '-n', topology.dut.netns, 'link', 'set', slave, 'down'],
  detail: `ip link set ${slave} down`,
}));
