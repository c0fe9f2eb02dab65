/**
 * What a fault kind is made of: its value in a scenario (schema and translation), the commands
 * that inflict it on a built topology, and its description in reports. Each kind is one module
 * of this folder, listed in registry.ts.
 */
import { slaveRef, slaveRefOf } from '../scenario/fragments.js';
import type { SlaveRef } from '../scenario/plan.js';
import type { Target } from '../target/target.js';
import { BOND, type Topology } from '../topology/topology.js';

/** One command on the target, and what it does in words. */
export interface FaultCommand {
  /** The command; empty when `run` does the work. */
  argv: string[];
  detail: string;
  /** Instead of a command: an action the topology provides (a lab's cable pull), which returns what it did. */
  run?: (target: Target) => Promise<string>;
}

export interface FaultDefinition<F extends { kind: string }> {
  /** JSON Schema of the step's value (`carrier-off: slave0`). */
  schema: object;
  /** The schema-valid value as the fault. */
  translate(value: unknown): F;
  /** What the topology must have besides the bond, checked when the scenario is loaded. */
  needs?: 'arp-target';
  /** The commands that inflict the fault; `slave` is the slave already resolved to an interface name. */
  commands(topology: Topology, fault: F, slave: string | undefined): FaultCommand[];
  describe(fault: F): string;
}

export function describeSlave(ref: SlaveRef): string {
  return 'index' in ref ? `slave${ref.index}` : 'the active slave (the first, in modes without one)';
}

/** A fault on one slave: `kind: slave0`, or `kind: { slave: slave0, ...extra }`. */
export function slaveFaultSchema(extra: Record<string, object> = {}, required: string[] = ['slave']): object {
  return {
    oneOf: [
      slaveRef,
      { type: 'object', additionalProperties: false, required, properties: { slave: slaveRef, ...extra } },
    ],
  };
}

/** The slave a schema-valid slaveFaultSchema value names. */
export function slaveOf(value: unknown): SlaveRef {
  return slaveRefOf(typeof value === 'string' ? value : String((value as { slave: unknown }).slave));
}

export function needSlave(kind: string, slave: string | undefined): string {
  if (!slave) throw new Error(`${kind} needs a slave`);
  return slave;
}

/** A slave's place in the bond: its cable's number. */
export function slaveIndex(topology: Topology, slave: string): number {
  const index = topology.dut.slaves.indexOf(slave);
  if (index < 0) throw new Error(`${slave} is not a slave of this topology`);
  return index;
}

/** The far side's port cabled to a slave of the bond. */
export function farPortOf(topology: Topology, slave: string): string {
  return topology.far.ports[slaveIndex(topology, slave)] ?? '';
}

/** The bond's sysfs file that lists its slaves (written +ethN / -ethN). */
export const SLAVES_FILE = `/sys/class/net/${BOND}/bonding/slaves`;

/** A fault that hits one slave and takes nothing else. */
export interface SlaveFault<K extends string> {
  kind: K;
  slave: SlaveRef;
}

/** The definition of a one-slave fault that is one command on the resolved slave. */
export function slaveFault<K extends string>(
  kind: K,
  command: (topology: Topology, slave: string) => FaultCommand,
): FaultDefinition<SlaveFault<K>> {
  return {
    schema: slaveFaultSchema(),
    translate: (value) => ({ kind, slave: slaveOf(value) }),
    commands: (topology, fault, slave) => [command(topology, needSlave(kind, slave))],
    describe: (fault) => `${kind} ${describeSlave(fault.slave)}`,
  };
}
