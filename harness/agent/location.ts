import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The compiled agent, whether bondlab runs from dist/ or from its TypeScript sources (tests). */
export function agentScript(): string {
  const script = join(packageRoot(), 'dist', 'harness', 'agent', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build"`);
  return script;
}
