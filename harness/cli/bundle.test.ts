import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = join(process.cwd(), 'dist');
const cli = join(dist, 'harness', 'cli', 'main.js');
const recorder = join(dist, 'harness', 'testing', 'record-imports.js');

describe('the built validate command is one module (bundle.ts)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-test-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bondlab validate loads main, its table and the bundled validate.js, and no yaml or scenario modules of their own', async () => {
    const log = join(dir, 'imports');
    const result = await execa('node', ['--import', recorder, cli, 'validate', 'scenarios'], {
      reject: false,
      env: { BONDLAB_RECORD_IMPORTS: log },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ok: \d+ cases from \d+ files$/);
    const loaded = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
    const ours = loaded.filter((url) => url.includes('/dist/harness/')).map((url) => url.split('/dist/harness/')[1]);
    expect(ours).toContain('cli/validate.js');
    expect(ours.filter((path) => path?.startsWith('scenario/'))).toEqual([]);
    expect(loaded.filter((url) => url.includes('/node_modules/yaml/'))).toEqual([]);
  });
});
