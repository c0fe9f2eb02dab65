/** Writes scenario.schema.json from schema.ts, for editors: `npm run schema`. */
import { writeFile } from 'node:fs/promises';
import { SCENARIO_SCHEMA } from './schema.js';

await writeFile('harness/scenario/scenario.schema.json', `${JSON.stringify(SCENARIO_SCHEMA, null, 2)}\n`);
