/** flap: the far end of the slave's cable goes down and up again, count times, interval apart. */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../scenario/duration.js';
import { duration, slaveRef } from '../scenario/fragments.js';
import type { SlaveRef } from '../scenario/plan.js';
import { run, type Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';
import { describeSlave, farPortOf, needSlave, slaveOf, type FaultCommand, type FaultDefinition } from './definition.js';
import { linkControl } from './link-control.js';
import { trainedAgain } from './link-training.js';

export interface Flap {
  kind: 'flap';
  slave: SlaveRef;
  count: number;
  intervalMs: number;
}

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    flap: Flap;
  }
}

/**
 * On a lab the far side's port down and up may not reach the DUT NIC (an emulated peer, a switch):
 * the cable is pulled and plugged instead, and each plug waits for the NIC's link training.
 */
function labFlap(topology: Topology, fault: Flap, slave: string): FaultCommand {
  const control = linkControl(topology);
  const issue = async (target: Target, command: FaultCommand) =>
    command.run ? await command.run(target) : (await run(target, command.argv), command.detail);
  return {
    argv: [],
    detail: `flap ${slave} ${fault.count}x every ${fault.intervalMs} ms`,
    run: async (target) => {
      const trained: string[] = [];
      for (let i = 0; i < fault.count; i++) {
        await issue(target, control.carrier(slave, false));
        await sleep(fault.intervalMs);
        const pluggedNs = await target.clockNs();
        await issue(target, control.carrier(slave, true));
        trained.push(await trainedAgain(target, topology, slave, pluggedNs));
        await sleep(fault.intervalMs);
      }
      return `flap ${slave} ${fault.count}x every ${fault.intervalMs} ms by its cable (${trained.join('; ')})`;
    },
  };
}

export const flap: FaultDefinition<Flap> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['slave'],
    properties: { slave: slaveRef, count: { type: 'integer', minimum: 1, maximum: 1000 }, interval: duration },
  },
  translate(value) {
    const spec = value as { count?: number; interval?: string | number };
    return {
      kind: 'flap',
      slave: slaveOf(value),
      count: Number(spec.count ?? 3),
      intervalMs: spec.interval === undefined ? 200 : parseDuration(spec.interval),
    };
  },
  commands(topology, fault, slave) {
    const name = needSlave(fault.kind, slave);
    if (topology.links) return [labFlap(topology, fault, name)];
    const port = farPortOf(topology, name);
    const pause = (fault.intervalMs / 1000).toFixed(3);
    const loop = `for i in $(seq ${fault.count}); do ip link set ${port} down; sleep ${pause}; ip link set ${port} up; sleep ${pause}; done`;
    return [
      {
        argv: ['ip', 'netns', 'exec', topology.far.netns, 'sh', '-c', loop],
        detail: `flap ${name} ${fault.count}x every ${fault.intervalMs} ms`,
      },
    ];
  },
  describe: (fault) => `flap ${describeSlave(fault.slave)}`,
};
