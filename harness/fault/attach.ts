/** attach: the slave joins the bond again (ip link set master, the sysfs slaves file, or ifenslave). */
import { BOND } from '../topology/topology.js';
import { SLAVES_FILE } from './definition.js';
import { ifenslave, membershipFault, type SlaveMembership } from './enslave-method.js';

export type Attach = SlaveMembership<'attach'>;

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    attach: Attach;
  }
}

export const attach = membershipFault('attach', {
  ip: (dut, slave) => ({
    argv: ['ip', '-n', dut, 'link', 'set', slave, 'master', BOND],
    detail: `ip link set ${slave} master ${BOND}`,
  }),
  sysfs: (dut, slave) => ({
    argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `ip link set ${slave} down; echo +${slave} > ${SLAVES_FILE}`],
    detail: `echo +${slave} > ${SLAVES_FILE}`,
  }),
  ifenslave: (dut, slave) => ifenslave(dut, `${BOND} ${slave}`, `+${slave}`),
});
