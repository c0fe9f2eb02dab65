/**
 * Faults: the ways links fail, done the ways users and cables do it. Each fault is one or more
 * commands on the target, or actions the topology provides such as a lab's cable pull (the kind's
 * module in this folder says which), timed on the target's clock, and returned as a timeline event.
 */
import { run, type Target } from '../target/target.js';
import type { FaultEvent } from '../timeline/events.js';
import type { Topology } from '../topology/topology.js';
import type { FaultCommand } from './definition.js';
import { afterLabFault } from './link-training.js';
import { faultDefinition, type Fault } from './registry.js';

/** The commands that inflict a fault; `slave` is already resolved to a DUT interface name. */
export function faultCommands(topology: Topology, fault: Fault, slave: string | undefined): FaultCommand[] {
  return faultDefinition(fault).commands(topology, fault, slave);
}

export async function inflict(
  target: Target,
  topology: Topology,
  fault: Fault,
  slave: string | undefined,
): Promise<FaultEvent> {
  const commands = faultCommands(topology, fault, slave);
  const startNs = await target.clockNs();
  const details: string[] = [];
  for (const command of commands) {
    if (command.run) {
      details.push(await command.run(target));
      continue;
    }
    const result = await run(target, command.argv);
    details.push(
      result.stdout.includes('via-sysfs')
        ? `${command.detail} (no ifenslave binary: through sysfs, as Debian's ifenslave hooks do)`
        : command.detail,
    );
  }
  const endNs = await target.clockNs();
  // A lab NIC's link training after the fault is no part of its command: endNs stays the command's return.
  const trained = await afterLabFault(target, topology, fault.kind, slave, startNs);
  if (trained) details.push(trained);
  return { kind: 'fault', fault: fault.kind, slave, detail: details.join('; '), startNs, endNs };
}
