/** carrier-off: the far end of the slave's cable goes down, like a pulled cable: a veth loses carrier when its peer goes down. */
import type { SlaveRef } from '../scenario/plan.js';
import { describeSlave, farPortOf, needSlave, slaveFaultSchema, slaveOf, type FaultDefinition } from './definition.js';

export interface CarrierOff {
  kind: 'carrier-off';
  slave: SlaveRef;
}

export const carrierOff: FaultDefinition<CarrierOff> = {
  schema: slaveFaultSchema(),
  translate: (value) => ({ kind: 'carrier-off', slave: slaveOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    return [{ argv: ['ip', '-n', topology.far.netns, 'link', 'set', farPortOf(topology, name), 'down'], detail: `far side ${farPortOf(topology, name)} down (carrier lost on ${name})` }];
  },
  describe: (fault) => `carrier-off ${describeSlave(fault.slave)}`,
};
