/** The generated code of a schema set (precompiled.ts): ajv's standalone code, one export per schema, and the hash it was made from. */
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { schemaHash, type SchemaSet } from './precompiled.js';

export function standaloneCode(set: SchemaSet): string {
  const ajv = new Ajv({ ...set.options, code: { source: true } });
  for (const [key, schema] of Object.entries(set.schemas)) ajv.addSchema(schema, key);
  const exports = Object.fromEntries(Object.keys(set.schemas).map((key) => [key, key]));
  return `${standalone.default(ajv, exports)}\nexports.schemaHash = ${JSON.stringify(schemaHash(set))};\n`;
}
