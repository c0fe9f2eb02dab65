/**
 * The scenario validators: the ~100 kB scenario schema, precompiled by `npm run build`
 * (precompiled.ts) to dist/harness/scenario/validators.cjs.
 */
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { packageRoot } from '../package-root.js';
import { loadValidators, type SchemaSet } from './precompiled.js';
import { STEP_SCHEMAS, TOP_LEVEL_SCHEMA } from './schema.js';

export const stepKey = (kind: string) => `step:${kind}`;

export const SCENARIO_SCHEMAS: SchemaSet = {
  file: join(packageRoot(), 'dist', 'harness', 'scenario', 'validators.cjs'),
  // strictNumbers: .nan and .inf are not numbers here (by default ajv counts .inf as an integer).
  options: { allErrors: true, strict: false, strictNumbers: true, verbose: true },
  schemas: {
    top: TOP_LEVEL_SCHEMA,
    ...Object.fromEntries(Object.entries(STEP_SCHEMAS).map(([kind, schema]) => [stepKey(kind), schema])),
  },
};

export interface ScenarioValidators {
  top: ValidateFunction;
  steps: Record<string, ValidateFunction>;
}

export async function scenarioValidators(): Promise<ScenarioValidators> {
  const validators = loadValidators(SCENARIO_SCHEMAS);
  const top = validators.top;
  if (!top) throw new Error('the scenario schema has no top-level validator');
  return {
    top,
    steps: Object.fromEntries(
      Object.keys(STEP_SCHEMAS).map((kind) => [kind, validators[stepKey(kind)] as ValidateFunction]),
    ),
  };
}
