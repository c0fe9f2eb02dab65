/** detach: the slave leaves the bond (ip link set nomaster, the sysfs slaves file, or ifenslave -d). */
import type { SlaveRef } from '../scenario/plan.js';
import { BOND } from '../topology/topology.js';
import { describeSlave, needSlave, slaveFaultSchema, slaveOf, SLAVES_FILE, type FaultDefinition } from './definition.js';
import { ifenslave, methodOf, methodSchema, type DetachMethod } from './enslave-method.js';

export interface Detach {
  kind: 'detach';
  slave: SlaveRef;
  method: DetachMethod;
}

export const detach: FaultDefinition<Detach> = {
  schema: slaveFaultSchema({ method: methodSchema }),
  translate: (value) => ({ kind: 'detach', slave: slaveOf(value), method: methodOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    const dut = topology.dut.netns;
    switch (fault.method) {
      case 'ip':
        return [{ argv: ['ip', '-n', dut, 'link', 'set', name, 'nomaster'], detail: `ip link set ${name} nomaster` }];
      case 'sysfs':
        return [{ argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `echo -${name} > ${SLAVES_FILE}`], detail: `echo -${name} > ${SLAVES_FILE}` }];
      case 'ifenslave':
        return [ifenslave(dut, `-d ${BOND} ${name}`, `-${name}`)];
    }
  },
  describe: (fault) => `detach ${describeSlave(fault.slave)} with ${fault.method}`,
};
