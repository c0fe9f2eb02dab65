/** link-down: the slave's own link goes down (the bond's side). */
import type { SlaveRef } from '../scenario/plan.js';
import { describeSlave, needSlave, slaveFaultSchema, slaveOf, type FaultDefinition } from './definition.js';

export interface LinkDown {
  kind: 'link-down';
  slave: SlaveRef;
}

export const linkDown: FaultDefinition<LinkDown> = {
  schema: slaveFaultSchema(),
  translate: (value) => ({ kind: 'link-down', slave: slaveOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    return [{ argv: ['ip', '-n', topology.dut.netns, 'link', 'set', name, 'down'], detail: `ip link set ${name} down` }];
  },
  describe: (fault) => `link-down ${describeSlave(fault.slave)}`,
};
