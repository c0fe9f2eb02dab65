/**
 * Validators that `npm run build` compiles once. ajv turns a schema into code at every start, which
 * costs tens to hundreds of ms of a short command's start-up: write-validators.ts writes that code
 * with ajv's standalone code generation beside the compiled modules, and a start loads it when it
 * was made from these very schemas and options (same hash), and compiles the schemas otherwise.
 * Synchronous (ajv is CommonJS), so that a synchronous caller can use it too.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, Options, ValidateFunction } from 'ajv';

/** Schemas compiled together with one set of ajv options into one generated file. */
export interface SchemaSet {
  /** The generated CommonJS file, beside the compiled modules in dist/. */
  file: string;
  options: Options;
  schemas: Record<string, object>;
}

/** What a set's generated code was made from: its schemas and ajv's options. */
export function schemaHash(set: SchemaSet): string {
  return createHash('sha256')
    .update(JSON.stringify({ options: set.options, schemas: set.schemas }))
    .digest('hex');
}

const require = createRequire(import.meta.url);

/** Each schema's validator by its key in the set: the generated code when it is current, else compiled now. */
export function loadValidators(set: SchemaSet): Record<string, ValidateFunction> {
  const keys = Object.keys(set.schemas);
  if (existsSync(set.file)) {
    const generated = require(set.file) as Record<string, ValidateFunction | string | undefined>;
    if (generated.schemaHash === schemaHash(set) && keys.every((key) => typeof generated[key] === 'function'))
      return Object.fromEntries(keys.map((key) => [key, generated[key] as ValidateFunction]));
  }
  const { Ajv } = require('ajv') as { Ajv: typeof AjvClass };
  const ajv = new Ajv(set.options);
  return Object.fromEntries(keys.map((key) => [key, ajv.compile(set.schemas[key] ?? {})]));
}
