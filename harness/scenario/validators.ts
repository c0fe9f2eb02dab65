/**
 * The scenario validators. ajv turns the ~100 kB schema into code at every start, which costs
 * most of a second of CPU: `npm run build` therefore writes that code once, with ajv's standalone
 * code generation, to dist/harness/scenario/validators.cjs (write-validators.ts). A start loads it
 * when it was made from this very schema (same hash), and compiles the schema as before otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { STEP_SCHEMAS, TOP_LEVEL_SCHEMA } from './schema.js';

// strictNumbers: .nan and .inf are not numbers here (by default ajv counts .inf as an integer).
export const AJV_OPTIONS = { allErrors: true, strict: false, strictNumbers: true, verbose: true } as const;

/** Beside the compiled modules in dist/. */
export const PRECOMPILED = new URL('./validators.cjs', import.meta.url);

export interface ScenarioValidators {
  top: ValidateFunction;
  steps: Record<string, ValidateFunction>;
}

/** What the generated code was made from: the schemas and ajv's options. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify({ AJV_OPTIONS, TOP_LEVEL_SCHEMA, STEP_SCHEMAS })).digest('hex');
}

export const stepKey = (kind: string) => `step:${kind}`;

export async function scenarioValidators(): Promise<ScenarioValidators> {
  if (existsSync(PRECOMPILED)) {
    const generated = createRequire(import.meta.url)(PRECOMPILED.pathname) as Record<string, ValidateFunction> & {
      schemaHash?: string;
    };
    const top = generated.top;
    if (generated.schemaHash === schemaHash() && top) {
      return {
        top,
        steps: Object.fromEntries(
          Object.keys(STEP_SCHEMAS).map((kind) => [kind, generated[stepKey(kind)] as ValidateFunction]),
        ),
      };
    }
  }
  const { Ajv } = await import('ajv');
  const ajv = new Ajv(AJV_OPTIONS);
  return {
    top: ajv.compile(TOP_LEVEL_SCHEMA),
    steps: Object.fromEntries(Object.entries(STEP_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)])),
  };
}
