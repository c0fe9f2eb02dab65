import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { reviveNanos, type RunResult } from '../runner/results.js';
import schema from '../runner/results.schema.json' with { type: 'json' };
import { UsageError } from './errors.js';
import { printable } from './output.js';

/** Compiled on first use: most commands never read a results file. */
let validator: ValidateFunction | undefined;
function validate(json: unknown): ErrorObject | undefined {
  validator ??= new Ajv({ verbose: true }).compile(schema);
  return validator(json)
    ? undefined
    : (validator.errors?.[0] ?? {
        keyword: 'schema',
        instancePath: '',
        schemaPath: '',
        params: {},
        message: 'does not match harness/runner/results.schema.json',
      });
}

/** `/cases/0/status` -> `cases[0].status`. */
function place(pointer: string): string {
  const path = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
  return path || 'the top level';
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value).slice(0, 60)}`;
}

/** ajv's first error, in words: where in the file, and what is wrong there. */
function describe(error: ErrorObject): string {
  const where = place(error.instancePath);
  const params = error.params as { missingProperty?: string; allowedValues?: unknown[]; type?: string };
  switch (error.keyword) {
    case 'required':
      return `${where} has no "${params.missingProperty}"`;
    case 'enum':
      return `${where} is ${kindOf(error.data)}, not one of ${(params.allowedValues ?? []).join(', ')}`;
    case 'type':
      return `${where} must be ${params.type} (it is ${kindOf(error.data)})`;
    default:
      return `${where} ${error.message ?? 'is not valid'} (it is ${kindOf(error.data)})`;
  }
}

/**
 * A run's results from its results.json, or from the run directory that holds one: checked
 * against harness/runner/results.schema.json before anything uses it, its timestamps revived.
 */
export async function readResults(path: string): Promise<{ run: RunResult; file: string }> {
  let file = path;
  let json: unknown;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'results.json');
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(printable(`${file}: ${(error as Error).message}`));
  }
  const error = validate(json);
  if (error) throw new UsageError(printable(`${file}: not a bondlab results file: ${describe(error)}`));
  return { run: reviveNanos(json) as RunResult, file };
}
