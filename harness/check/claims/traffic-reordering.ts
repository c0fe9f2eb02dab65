/** traffic: { reordering: expected | forbidden }: whether the latest traffic window delivered packets out of order. */
import { presenceClaim, type PresenceClaim } from './traffic-window.js';

export type TrafficReorderingClaim = PresenceClaim<'traffic-reordering'>;

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'traffic-reordering': TrafficReorderingClaim;
  }
}

export const trafficReordering = presenceClaim(
  'traffic-reordering',
  'reordering',
  { some: 'packets reordered', none: 'no packets reordered' },
  (t) => t.reordered,
);
