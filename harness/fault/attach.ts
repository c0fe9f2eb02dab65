/** attach: the slave joins the bond again (ip link set master, the sysfs slaves file, or ifenslave). */
import type { SlaveRef } from '../scenario/plan.js';
import { BOND } from '../topology/topology.js';
import { describeSlave, needSlave, slaveFaultSchema, slaveOf, SLAVES_FILE, type FaultDefinition } from './definition.js';
import { ifenslave, methodOf, methodSchema, type DetachMethod } from './enslave-method.js';

export interface Attach {
  kind: 'attach';
  slave: SlaveRef;
  method: DetachMethod;
}

export const attach: FaultDefinition<Attach> = {
  schema: slaveFaultSchema({ method: methodSchema }),
  translate: (value) => ({ kind: 'attach', slave: slaveOf(value), method: methodOf(value) }),
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    const dut = topology.dut.netns;
    switch (fault.method) {
      case 'ip':
        return [{ argv: ['ip', '-n', dut, 'link', 'set', name, 'master', BOND], detail: `ip link set ${name} master ${BOND}` }];
      case 'sysfs':
        return [{ argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `ip link set ${name} down; echo +${name} > ${SLAVES_FILE}`], detail: `echo +${name} > ${SLAVES_FILE}` }];
      case 'ifenslave':
        return [ifenslave(dut, `${BOND} ${name}`, `+${name}`)];
    }
  },
  describe: (fault) => `attach ${describeSlave(fault.slave)} with ${fault.method}`,
};
