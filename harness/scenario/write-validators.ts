/** Writes the precompiled validators beside the compiled modules in dist/ (see precompiled.ts). Run by `npm run build`. */
import { writeFile } from 'node:fs/promises';
import { OPTION_SCHEMAS } from '../config/option-validators.js';
import { standaloneCode } from './standalone.js';
import { SCENARIO_SCHEMAS } from './validators.js';

for (const set of [SCENARIO_SCHEMAS, OPTION_SCHEMAS]) await writeFile(set.file, standaloneCode(set));
