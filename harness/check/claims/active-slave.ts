/** activeSlave: the active slave is (or is not) this slave, or none. */
import { slaveRef, slaveRefOf } from '../../scenario/fragments.js';
import type { SlaveRef } from '../../scenario/plan.js';
import { check } from '../check-result.js';
import { label, refName, type ClaimDefinition } from './definition.js';

export type Comparison<T> = { is: T } | { isNot: T };

export interface ActiveSlaveClaim {
  kind: 'active-slave';
  expected: Comparison<SlaveRef | null>;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    'active-slave': ActiveSlaveClaim;
  }
}

const ref = (value: unknown) => (value === 'none' ? null : slaveRefOf(String(value)));

export const activeSlave: ClaimDefinition<ActiveSlaveClaim> = {
  syntax: {
    keys: {
      activeSlave: {
        oneOf: [
          slaveRef,
          { const: 'none' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['not'],
            properties: { not: { oneOf: [slaveRef, { const: 'none' }] } },
          },
        ],
      },
    },
    translate({ activeSlave: value }) {
      return [
        {
          kind: 'active-slave',
          expected:
            typeof value === 'object' && value !== null
              ? { isNot: ref((value as { not: unknown }).not) }
              : { is: ref(value) },
        },
      ];
    },
  },
  evaluate(claim, state, context) {
    const active = state.status.activeSlave ?? null;
    if ('is' in claim.expected) {
      const want = refName(claim.expected.is, context, state);
      return check(
        `active slave is ${label(claim.expected.is, context)}`,
        active === want,
        want ?? 'none',
        active ?? 'none',
      );
    }
    const avoid = refName(claim.expected.isNot, context, state);
    return check(
      `active slave is not ${label(claim.expected.isNot, context)}`,
      active !== avoid,
      `not ${avoid ?? 'none'}`,
      active ?? 'none',
    );
  },
  slaves(claim) {
    const named = 'is' in claim.expected ? claim.expected.is : claim.expected.isNot;
    return named ? [named] : [];
  },
};
