/** How detach and attach change a bond's slaves: ip, the sysfs file, or ifenslave. */
import { BOND } from '../topology/topology.js';
import type { SlaveRef } from '../scenario/plan.js';
import {
  describeSlave,
  needSlave,
  slaveFaultSchema,
  slaveOf,
  type FaultCommand,
  type FaultDefinition,
} from './definition.js';

export const DETACH_METHODS = ['ip', 'sysfs', 'ifenslave'] as const;
export type DetachMethod = (typeof DETACH_METHODS)[number];

export const methodSchema = { enum: [...DETACH_METHODS], description: 'how the slave is detached or attached' };

export function methodOf(value: unknown): DetachMethod {
  const method = typeof value === 'object' && value !== null ? (value as { method?: DetachMethod }).method : undefined;
  return method ?? 'ip';
}

/**
 * `ifenslave` as the target has it. Debian's ifenslave 2.x ships no binary, only ifupdown hooks
 * that write the bond's sysfs `slaves` file; where no binary exists, bondlab does what those
 * hooks do, and the event says so.
 */
export function ifenslave(netns: string, args: string, sysfsWrite: string): FaultCommand {
  const script = `if command -v ifenslave >/dev/null; then ifenslave ${args}; else echo ${sysfsWrite} > /sys/class/net/${BOND}/bonding/slaves; echo via-sysfs; fi`;
  return { argv: ['ip', 'netns', 'exec', netns, 'sh', '-c', script], detail: `ifenslave ${args}` };
}

/** detach or attach: a slave leaving or joining the bond, by one of the methods. */
export interface SlaveMembership<K extends 'detach' | 'attach'> {
  kind: K;
  slave: SlaveRef;
  method: DetachMethod;
}

/** The definition of detach or attach from its command per method (dut: the bond's namespace, slave: the resolved interface). */
export function membershipFault<K extends 'detach' | 'attach'>(
  kind: K,
  command: Record<DetachMethod, (dut: string, slave: string) => FaultCommand>,
): FaultDefinition<SlaveMembership<K>> {
  return {
    schema: slaveFaultSchema({ method: methodSchema }),
    translate: (value) => ({ kind, slave: slaveOf(value), method: methodOf(value) }),
    commands: (topology, fault, slave) => [command[fault.method](topology.dut.netns, needSlave(kind, slave))],
    describe: (fault) => `${kind} ${describeSlave(fault.slave)} with ${fault.method}`,
  };
}
