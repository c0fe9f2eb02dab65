import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTION_SCHEMAS } from '../config/option-validators.js';
import { packageRoot } from '../package-root.js';
import { loadValidators, schemaHash, type SchemaSet } from './precompiled.js';
import { standaloneCode } from './standalone.js';
import { SCENARIO_SCHEMAS } from './validators.js';

// Inside the package, where the generated code finds ajv's runtime modules.
const dir = mkdtempSync(join(packageRoot(), '.test-precompiled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The set with its generated code written to a file of its own. */
function written(set: SchemaSet, name: string, code = standaloneCode(set)): SchemaSet {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, code);
  return { ...set, file };
}

/** Each value's verdict and first error under each validator of the set. */
function verdicts(validators: ReturnType<typeof loadValidators>, values: unknown[]) {
  return Object.fromEntries(
    Object.entries(validators).map(([key, validate]) => [
      key,
      values.map((value) => (validate(value) ? 'ok' : `${validate.errors?.[0]?.message} ${validate.errors?.length}`)),
    ]),
  );
}

/** ajv.compile hangs the schema's environment on its functions; generated code has none. */
const isCompiledNow = (validate: object) => 'schemaEnv' in validate;

const VALUES = [0, 1, 255, 256, -1, 1.5, Infinity, NaN, 'fast', 'x', ['192.0.2.1'], ['a', 'a'], {}, null];

describe('precompiled validators', () => {
  it.each([
    ['the driver options', OPTION_SCHEMAS, 'options'],
    ['the scenario schema', SCENARIO_SCHEMAS, 'scenario'],
  ])('%s: the generated code is loaded and judges as the compiled schemas do', (_, set, name) => {
    const fromFile = loadValidators(written(set, name));
    const compiled = loadValidators({ ...set, file: join(dir, 'absent.cjs') });
    expect(Object.keys(fromFile)).toEqual(Object.keys(set.schemas));
    expect(Object.values(fromFile).some(isCompiledNow)).toBe(false);
    expect(Object.values(compiled).every(isCompiledNow)).toBe(true);
    expect(verdicts(fromFile, VALUES)).toEqual(verdicts(compiled, VALUES));
  });

  it('code made from other schemas is not used: the schemas are compiled instead', () => {
    const old: SchemaSet = { ...OPTION_SCHEMAS, schemas: { ...OPTION_SCHEMAS.schemas, miimon: { type: 'string' } } };
    const stale = written(old, 'stale');
    const validators = loadValidators({ ...stale, schemas: OPTION_SCHEMAS.schemas });
    expect(validators.miimon?.(100)).toBe(true);
    expect(validators.miimon && isCompiledNow(validators.miimon)).toBe(true);
  });

  it('a file of the right hash without a validator for every schema is not used', () => {
    const set = written(
      OPTION_SCHEMAS,
      'no-functions',
      `exports.schemaHash = ${JSON.stringify(schemaHash(OPTION_SCHEMAS))};\n`,
    );
    const validators = loadValidators(set);
    expect(validators.miimon && isCompiledNow(validators.miimon)).toBe(true);
    expect(validators.miimon?.(5)).toBe(true);
    expect(validators.miimon?.(-5)).toBe(false);
  });
});
