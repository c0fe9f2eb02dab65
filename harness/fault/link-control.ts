/**
 * A slave's cable, as the topology lets it be pulled and plugged: the far side's port down and up
 * (a veth loses carrier when its peer goes down), or, on a lab whose cables can be pulled (the
 * hypervisor's, for emulated NICs), the lab's own cable pull.
 */
import type { Topology } from '../topology/topology.js';
import { farPortOf, slaveIndex, type FaultCommand } from './definition.js';

export interface LinkControl {
  /** Carrier lost (up false) or back on the slave's cable. */
  carrier(slave: string, up: boolean): FaultCommand;
}

export function linkControl(topology: Topology): LinkControl {
  const pull = topology.links?.setCarrier;
  if (pull)
    return {
      carrier: (slave, up) => ({
        argv: [],
        detail: `cable pull on ${slave}`,
        run: async () =>
          `${await pull(slaveIndex(topology, slave), up)} (carrier ${up ? 'back on' : 'lost on'} ${slave})`,
      }),
    };
  return {
    carrier(slave, up) {
      const port = farPortOf(topology, slave);
      return {
        argv: ['ip', '-n', topology.far.netns, 'link', 'set', port, up ? 'up' : 'down'],
        detail: `far side ${port} ${up ? 'up (carrier back on' : 'down (carrier lost on'} ${slave})`,
      };
    },
  };
}
