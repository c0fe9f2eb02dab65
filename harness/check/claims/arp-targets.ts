/** arpTargets: the bond's ARP IP targets, exactly these (`arp-target`: the generated ARP target host). */
import { ipv4OrToken } from '../../scenario/fragments.js';
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface ArpTargetsClaim {
  kind: 'arp-targets';
  expected: string[];
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'arp-targets': ArpTargetsClaim;
  }
}

export const arpTargets: ClaimDefinition<ArpTargetsClaim> = {
  syntax: {
    keys: { arpTargets: { type: 'array', items: ipv4OrToken } },
    translate: (given) => [{ kind: 'arp-targets', expected: given.arpTargets as string[] }],
  },
  evaluate(claim, state, context) {
    const targets = state.status.arpIpTargets ?? [];
    const expected = claim.expected.map((t) => (t === 'arp-target' ? (context.arpTarget ?? t) : t));
    const same = targets.length === expected.length && expected.every((t) => targets.includes(t));
    return check('ARP IP targets', same, expected.join(', '), targets.join(', ') || 'none');
  },
};
