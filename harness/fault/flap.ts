/** flap: the far end of the slave's cable goes down and up again, count times, interval apart. */
import { parseDuration } from '../scenario/duration.js';
import { duration, slaveRef } from '../scenario/fragments.js';
import type { SlaveRef } from '../scenario/plan.js';
import { describeSlave, farPortOf, needSlave, slaveOf, type FaultDefinition } from './definition.js';

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
