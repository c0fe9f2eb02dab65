/** carrier-on: the far end of the slave's cable comes up again. */
import type { SlaveRef } from '../scenario/plan.js';
import { describeSlave, farPortOf, needSlave, slaveFaultSchema, slaveOf, type FaultDefinition } from './definition.js';

export interface CarrierOn {
  kind: 'carrier-on';
  slave: SlaveRef;
}

export const carrierOn: FaultDefinition<CarrierOn> = {
  schema: slaveFaultSchema(),
  translate: (value) => ({ kind: 'carrier-on', slave: slaveOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    return [{ argv: ['ip', '-n', topology.far.netns, 'link', 'set', farPortOf(topology, name), 'up'], detail: `far side ${farPortOf(topology, name)} up (carrier back on ${name})` }];
  },
  describe: (fault) => `carrier-on ${describeSlave(fault.slave)}`,
};
