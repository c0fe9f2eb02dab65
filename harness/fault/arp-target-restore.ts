/** arp-target-restore: the ARP target answers again, whichever way it was lost. */
import type { FaultDefinition } from './definition.js';

export interface ArpTargetRestore {
  kind: 'arp-target-restore';
}

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'arp-target-restore': ArpTargetRestore;
  }
}

export const arpTargetRestore: FaultDefinition<ArpTargetRestore> = {
  schema: { type: ['object', 'null'], additionalProperties: false, properties: {} },
  translate: () => ({ kind: 'arp-target-restore' }),
  needs: 'arp-target',
  commands(topology) {
    const host = topology.arpTarget;
    if (!host) throw new Error('arp-target-restore: this topology has no ARP target');
    const script = `ip -n ${host.netns} addr replace ${host.ipv4}/24 dev ${host.iface}; tc -n ${host.netns} qdisc del dev ${host.iface} clsact 2>/dev/null; true`;
    return [{ argv: ['sh', '-c', script], detail: `ARP target ${host.ipv4} reachable again` }];
  },
  describe: () => 'arp-target-restore',
};
