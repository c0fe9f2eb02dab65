/** traffic: { duplicates: expected | forbidden }: whether the latest traffic window delivered duplicates. */
import { presenceClaim, type PresenceClaim } from './traffic-window.js';

export type TrafficDuplicatesClaim = PresenceClaim<'traffic-duplicates'>;

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'traffic-duplicates': TrafficDuplicatesClaim;
  }
}

export const trafficDuplicates = presenceClaim(
  'traffic-duplicates',
  'duplicates',
  { some: 'duplicates delivered', none: 'no duplicates delivered' },
  (t) => t.duplicates,
);
