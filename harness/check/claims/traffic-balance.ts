/** traffic: { balance }: how the latest traffic window spread over the slaves (transmitted or received). */
import { carriesTraffic } from '../../bond/vocabulary.js';
import { percent } from '../../report/format.js';
import { MAX_SLAVES } from '../../scenario/fragments.js';
import type { TrafficWindow } from '../../traffic/window.js';
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';
import { onWindow } from './traffic-window.js';

export interface TrafficBalanceClaim {
  kind: 'traffic-balance';
  direction: 'tx' | 'rx';
  minSlaves?: number;
  maxShare?: number;
  single?: boolean;
  onActive?: boolean;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'traffic-balance': TrafficBalanceClaim;
  }
}

export const trafficBalance: ClaimDefinition<TrafficBalanceClaim> = {
  syntax: {
    group: 'traffic',
    keys: {
      balance: {
        type: 'object',
        additionalProperties: false,
        properties: {
          direction: { enum: ['tx', 'rx'], description: 'the bond transmitting (tx, default) or receiving (rx)' },
          minSlaves: {
            type: 'integer',
            minimum: 1,
            maximum: MAX_SLAVES,
            description: 'at least this many slaves carry a tenth of their fair share or more',
          },
          maxShare: { type: 'number', minimum: 0, maximum: 1, description: 'no slave carries more than this share' },
          single: { type: 'boolean', description: 'exactly one slave carries the traffic' },
          onActive: { type: 'boolean', description: 'the active slave carries the traffic' },
        },
      },
    },
    translate(given) {
      const b = given.balance as Omit<TrafficBalanceClaim, 'kind' | 'direction'> & { direction?: 'tx' | 'rx' };
      return [
        {
          kind: 'traffic-balance',
          direction: b.direction ?? 'tx',
          minSlaves: b.minSlaves,
          maxShare: b.maxShare,
          single: b.single,
          onActive: b.onActive,
        },
      ];
    },
  },
  evaluate: onWindow((claim: TrafficBalanceClaim, window, state) => {
    const share = (s: TrafficWindow['perSlave'][number]) => (claim.direction === 'tx' ? s.txShare : s.rxShare);
    const shares = window.perSlave.map((s) => `${s.slave} ${percent(share(s))}`).join(', ');
    const carrying = window.perSlave.filter((s) => carriesTraffic(share(s), window.perSlave.length));
    const top = [...window.perSlave].sort((a, b) => share(b) - share(a))[0];
    const problems: string[] = [];
    if (claim.minSlaves !== undefined && carrying.length < claim.minSlaves)
      problems.push(`${carrying.length} slave(s) carry traffic`);
    if (claim.maxShare !== undefined && top && share(top) > claim.maxShare)
      problems.push(`${top.slave} carries ${percent(share(top))}`);
    if (claim.single && carrying.length !== 1) problems.push(`${carrying.length} slaves carry traffic`);
    if (claim.onActive && top?.slave !== state.status.activeSlave)
      problems.push(`the active slave is ${state.status.activeSlave ?? 'none'}`);
    const wanted = [
      claim.minSlaves !== undefined ? `${claim.minSlaves}+ slaves carrying` : '',
      claim.maxShare !== undefined ? `no slave above ${percent(claim.maxShare)}` : '',
      claim.single ? 'exactly one slave carrying' : '',
      claim.onActive ? 'the active slave carrying' : '',
    ].filter(Boolean);
    return check(
      `${claim.direction} balance over the slaves`,
      problems.length === 0,
      wanted.join(', '),
      `${shares}${problems.length ? ` (${problems.join('; ')})` : ''}`,
    );
  }),
};
