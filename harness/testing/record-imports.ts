/**
 * `node --import dist/harness/testing/record-imports.js ...` records every module the process
 * loads, one URL per line, in the file BONDLAB_RECORD_IMPORTS names: how the CLI tests prove that
 * a command does not load the container stack. The hooks run on the loader's own thread.
 */
import { register } from 'node:module';

register('./import-hooks.js', import.meta.url);
