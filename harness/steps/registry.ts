/**
 * Every step kind of the plan, by kind. A kind is one module of this folder; the mapped type makes
 * a kind without its definition a compile error. Fault kinds are one step kind with a key each
 * (harness/fault/registry.ts).
 */
import { build } from './build.js';
import type { StepDefinition, StepKind, StepOutcome, StepSyntax } from './definition.js';
import { expectStep } from './expect.js';
import { fault } from './fault.js';
import { hook } from './hook.js';
import { throughput } from './throughput.js';
import { traffic } from './traffic.js';
import { waitUntil } from './wait-until.js';
import { wait } from './wait.js';
import type { CaseSession } from '../runner/session.js';
import type { Step } from '../scenario/plan.js';

export const STEPS: { [K in StepKind]: StepDefinition<K> } = {
  build,
  wait,
  'wait-until': waitUntil,
  fault,
  traffic,
  expect: expectStep,
  throughput,
  hook,
};

/** The YAML keys of the steps list, in the order the schema and error messages list them. */
export const STEP_SYNTAX: Record<string, StepSyntax> = Object.fromEntries(
  Object.values(STEPS).flatMap((definition) => Object.entries(definition.syntax)),
);

/** A step's definition, typed for that step. */
export function stepDefinition<S extends Step>(
  step: S,
): Omit<StepDefinition<S['kind']>, 'run' | 'describe'> & {
  run(session: CaseSession, step: S): Promise<StepOutcome>;
  describe(step: S): string;
} {
  return STEPS[step.kind] as unknown as ReturnType<typeof stepDefinition<S>>;
}

export function describeStep(step: Step): string {
  return stepDefinition(step).describe(step);
}
