/** link-up: the slave's own link comes up again (the bond's side). */
import type { SlaveRef } from '../scenario/plan.js';
import { describeSlave, needSlave, slaveFaultSchema, slaveOf, type FaultDefinition } from './definition.js';

export interface LinkUp {
  kind: 'link-up';
  slave: SlaveRef;
}

export const linkUp: FaultDefinition<LinkUp> = {
  schema: slaveFaultSchema(),
  translate: (value) => ({ kind: 'link-up', slave: slaveOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    return [{ argv: ['ip', '-n', topology.dut.netns, 'link', 'set', name, 'up'], detail: `ip link set ${name} up` }];
  },
  describe: (fault) => `link-up ${describeSlave(fault.slave)}`,
};
