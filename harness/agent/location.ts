import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The compiled agent, whether bondlab runs from dist/ or from its TypeScript sources (tests). */
export function agentScript(): string {
  const script = join(packageRoot(), 'dist', 'harness', 'agent', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build"`);
  return script;
}

/** main.cjs's first line: the main.js it was built from (build-cjs.ts). */
export function agentCjsHeader(esm = agentScript()): string {
  return `// bondlab agent built from main.js sha256:${createHash('sha256').update(readFileSync(esm)).digest('hex')}`;
}

/**
 * The agent as CommonJS, which starts faster in the VM (build-cjs.ts). Throws when it is missing
 * or was built from another main.js, rather than start an agent other than this build's.
 */
export function agentCjsScript(esm = agentScript()): string {
  const script = esm.replace(/\.js$/, '.cjs');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build"`);
  const header = readFileSync(script, 'utf8').split('\n', 1)[0];
  if (header !== agentCjsHeader(esm))
    throw new Error(`${script} was built from another main.js (a plain tsc since?): run "npm run build"`);
  return script;
}
