/**
 * Run by `npm run build` after tsc: writes dist/harness/agent/main.cjs, the agent as one CommonJS
 * file, which the VM guest starts. Under TCG, node's ES module loader is a large part of the
 * agent's start (README, Speed). Its first line names the sha256 of the main.js it was made from:
 * agentCjsScript() refuses a main.cjs that another main.js (a plain `tsc` since) no longer matches.
 */
import { rename, writeFile } from 'node:fs/promises';
import { build } from 'rolldown';
import { agentCjsHeader, agentScript } from './location.js';

const entry = agentScript();
const output = entry.replace(/\.js$/, '.cjs');
const { output: chunks } = await build({
  input: entry,
  platform: 'node',
  external: [/^node:/],
  logLevel: 'warn',
  write: false,
  output: { format: 'cjs', codeSplitting: false },
});
const code = chunks[0]?.type === 'chunk' ? chunks[0].code : undefined;
if (code === undefined) throw new Error(`rolldown made no code of ${entry}`);
const partial = `${output}.partial-${process.pid}`;
await writeFile(partial, `${agentCjsHeader()}\n${code.replace(/^#!.*\n/, '')}`);
await rename(partial, output);
