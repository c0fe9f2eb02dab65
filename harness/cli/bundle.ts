/**
 * Run by `npm run build` after tsc: replaces dist/harness/cli/validate.js by one file holding it and
 * every module it imports (the scenario loader, the step, fault and claim registries, yaml), so that
 * `bondlab validate` loads one module instead of about 180 (in node 20, resolving and loading them
 * was about a third of its start-up). commander stays outside: main.js has loaded it already. A
 * plain `tsc` writes the unbundled module again, which works the same, only slower to start.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'rolldown';
import { packageRoot } from '../package-root.js';

const cli = join(packageRoot(), 'dist', 'harness', 'cli');
const entry = join(cli, 'validate.js');
// Written beside it under the same name, then moved over it with its source map.
const out = await mkdtemp(join(cli, '.bundle-'));
try {
  await build({
    input: entry,
    platform: 'node',
    external: [/^node:/, 'commander'],
    logLevel: 'warn',
    output: { dir: out, entryFileNames: '[name].js', format: 'esm', codeSplitting: false, sourcemap: true },
  });
  await rename(join(out, 'validate.js'), entry);
  await rename(join(out, 'validate.js.map'), `${entry}.map`);
} finally {
  await rm(out, { recursive: true, force: true });
}
