/** Writes dist/harness/scenario/validators.cjs: ajv's standalone code for the scenario schema (see validators.ts). Run by `npm run build`. */
import { writeFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { STEP_SCHEMAS, TOP_LEVEL_SCHEMA } from './schema.js';
import { AJV_OPTIONS, PRECOMPILED, schemaHash, stepKey } from './validators.js';

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
ajv.addSchema(TOP_LEVEL_SCHEMA, 'top');
for (const [kind, schema] of Object.entries(STEP_SCHEMAS)) ajv.addSchema(schema, stepKey(kind));
const exports = Object.fromEntries(['top', ...Object.keys(STEP_SCHEMAS).map(stepKey)].map((key) => [key, key]));
await writeFile(
  PRECOMPILED,
  `${standalone.default(ajv, exports)}\nexports.schemaHash = ${JSON.stringify(schemaHash())};\n`,
);
