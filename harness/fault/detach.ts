/** detach: the slave leaves the bond (ip link set nomaster, the sysfs slaves file, or ifenslave -d). */
import { BOND } from '../topology/topology.js';
import { SLAVES_FILE } from './definition.js';
import { ifenslave, membershipFault, type SlaveMembership } from './enslave-method.js';

export type Detach = SlaveMembership<'detach'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    detach: Detach;
  }
}

export const detach = membershipFault('detach', {
  ip: (dut, slave) => ({
    argv: ['ip', '-n', dut, 'link', 'set', slave, 'nomaster'],
    detail: `ip link set ${slave} nomaster`,
  }),
  sysfs: (dut, slave) => ({
    argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `echo -${slave} > ${SLAVES_FILE}`],
    detail: `echo -${slave} > ${SLAVES_FILE}`,
  }),
  ifenslave: (dut, slave) => ifenslave(dut, `-d ${BOND} ${slave}`, `-${slave}`),
});
