/** mode: the bond runs in this mode. */
import { modeByNameOrNumber } from '../../bond/vocabulary.js';
import { matrixRef, mode as modeSchema } from '../../scenario/fragments.js';
import type { ModeName } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import type { ClaimDefinition } from './definition.js';

export interface ModeClaim {
  kind: 'mode';
  expected: ModeName;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    mode: ModeClaim;
  }
}

export const mode: ClaimDefinition<ModeClaim> = {
  syntax: {
    keys: { mode: { oneOf: [...modeSchema.oneOf, matrixRef] } },
    // The schema has checked it: a mode's name or number.
    translate: (given) => [{ kind: 'mode', expected: modeByNameOrNumber(given.mode as string | number) as ModeName }],
  },
  evaluate(claim, state) {
    const actual = state.status.mode?.name;
    return check('bond mode', actual === claim.expected, claim.expected, actual ?? 'unknown');
  },
};
