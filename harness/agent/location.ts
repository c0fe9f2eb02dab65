import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled agent, whether bondlab runs from dist/ or from its TypeScript sources (tests). */
export function agentScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the bondlab package root');
    dir = parent;
  }
  const script = join(dir, 'dist', 'harness', 'agent', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build"`);
  return script;
}
