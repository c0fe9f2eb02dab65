/**
 * Faults: the ways links fail, done the ways users and cables do it. Each fault is one or more
 * commands on the target (the kind's module in this folder says which), timed on the target's
 * clock, and returned as a timeline event.
 */
import { run, type Target } from '../target/target.js';
import type { FaultEvent } from '../timeline/events.js';
import type { Topology } from '../topology/topology.js';
import { slaveIndex, type FaultCommand } from './definition.js';
import { faultDefinition, type Fault } from './registry.js';

/** A lab's own cable pull (the hypervisor's, for emulated NICs), timed like a command. */
async function pullCable(
  target: Target,
  setCarrier: (index: number, up: boolean) => Promise<string>,
  index: number,
  up: boolean,
  slave: string,
): Promise<FaultEvent> {
  const startNs = await target.clockNs();
  const detail = await setCarrier(index, up);
  const endNs = await target.clockNs();
  return {
    kind: 'fault',
    fault: up ? 'carrier-on' : 'carrier-off',
    slave,
    detail: `${detail} (carrier ${up ? 'back on' : 'lost on'} ${slave})`,
    startNs,
    endNs,
  };
}

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
  const cable = topology.links?.setCarrier;
  if (cable && slave && (fault.kind === 'carrier-off' || fault.kind === 'carrier-on'))
    return await pullCable(target, cable, slaveIndex(topology, slave), fault.kind === 'carrier-on', slave);
  const commands = faultCommands(topology, fault, slave);
  const startNs = await target.clockNs();
  const details: string[] = [];
  for (const command of commands) {
    const result = await run(target, command.argv);
    details.push(
      result.stdout.includes('via-sysfs')
        ? `${command.detail} (no ifenslave binary: through sysfs, as Debian's ifenslave hooks do)`
        : command.detail,
    );
  }
  const endNs = await target.clockNs();
  return { kind: 'fault', fault: fault.kind, slave, detail: details.join('; '), startNs, endNs };
}
