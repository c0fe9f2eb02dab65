/** arp-target-loss: the ARP target stops answering (its address removed, or everything it receives dropped). */
import type { FaultDefinition } from './definition.js';

const HOW = ['remove-address', 'drop'] as const;

export interface ArpTargetLoss {
  kind: 'arp-target-loss';
  how: (typeof HOW)[number];
}

// Adds this kind to the plan's Fault union (declaration merging: the plan names no fault module).
declare module '../scenario/plan.js' {
  interface FaultPlans {
    'arp-target-loss': ArpTargetLoss;
  }
}

export const arpTargetLoss: FaultDefinition<ArpTargetLoss> = {
  schema: {
    oneOf: [
      { enum: [...HOW] },
      { type: 'object', additionalProperties: false, properties: { how: { enum: [...HOW] } } },
    ],
  },
  translate(value) {
    const how = typeof value === 'string' ? value : (value as { how?: string } | null)?.how;
    return { kind: 'arp-target-loss', how: how === 'drop' ? 'drop' : 'remove-address' };
  },
  needs: 'arp-target',
  commands(topology, fault) {
    const host = topology.arpTarget;
    if (!host) throw new Error('arp-target-loss: this topology has no ARP target');
    if (fault.how === 'remove-address')
      return [
        {
          argv: ['ip', '-n', host.netns, 'addr', 'del', `${host.ipv4}/24`, 'dev', host.iface],
          detail: `ARP target ${host.ipv4} removed`,
        },
      ];
    return [
      {
        argv: [
          'sh',
          '-c',
          `tc -n ${host.netns} qdisc add dev ${host.iface} clsact && tc -n ${host.netns} filter add dev ${host.iface} ingress matchall action drop`,
        ],
        detail: `ARP target ${host.ipv4} drops everything`,
      },
    ];
  },
  describe: () => 'arp-target-loss',
};
