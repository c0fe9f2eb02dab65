import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chosenCommand } from './lazy.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const recorder = join(process.cwd(), 'dist', 'harness', 'testing', 'record-imports.js');

describe('chosenCommand', () => {
  const names = ['run', 'validate', 'report'];
  it.each([
    [['validate', 'scenarios'], 'validate'],
    [['--help'], undefined],
    [[], undefined],
    [['help', 'run'], 'run'],
    [['help'], undefined],
    [['bogus', 'run'], undefined],
    [['-h', 'report', 'x'], 'report'],
  ])('%j -> %s', (args, name) => {
    expect(chosenCommand(args, names)).toBe(name);
  });
});

describe('commands that boot nothing load no container stack', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-test-lazy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The packages (under node_modules) the command loaded, every module URL, and its exit code. */
  async function packagesLoaded(
    args: string[],
  ): Promise<{ packages: Set<string>; urls: string[]; exitCode: number | undefined; stdout: string }> {
    const log = join(dir, `imports-${args[0] ?? 'none'}-${Math.random().toString(36).slice(2)}`);
    const result = await execa('node', ['--import', recorder, cli, ...args], {
      reject: false,
      env: { BONDLAB_RECORD_IMPORTS: log },
    });
    const urls = (await readFile(log, 'utf8')).split('\n');
    const packages = new Set(
      urls
        .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
        .filter((p): p is string => p !== undefined),
    );
    return { packages, urls, exitCode: result.exitCode, stdout: result.stdout };
  }

  const heavy = ['testcontainers', 'dockerode', 'execa', 'docker-modem', 'ssh2'];

  it.each([
    [['--help']],
    [['validate', 'scenarios']],
    [['inspect', '--file', 'fixtures/proc/v2.6.0-active-backup.txt']],
    [['compare', 'reports/examples/repeats/baseline.json', 'reports/examples/repeats/current.json']],
    [['report', '--help']],
  ])('bondlab %j', async (args) => {
    const { packages } = await packagesLoaded(args);
    // The recorder works: commander is always there.
    expect(packages).toContain('commander');
    expect(heavy.filter((name) => packages.has(name))).toEqual([]);
  });

  it('the built validate command is one module (harness/cli/bundle.ts): no scenario module of its own, no yaml package', async () => {
    const { urls, packages, exitCode, stdout } = await packagesLoaded(['validate', 'scenarios']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ok: \d+ cases from \d+ files$/);
    const ours = urls.filter((url) => url.includes('/dist/harness/')).map((url) => url.split('/dist/harness/')[1]);
    expect(ours).toContain('cli/validate.js');
    expect(ours.filter((path) => path?.startsWith('scenario/'))).toEqual([]);
    expect(packages.has('yaml')).toBe(false);
  });

  it('a command that runs scenarios does load them (the recorder sees what it should)', async () => {
    const { packages, exitCode } = await packagesLoaded(['run', 'fixtures/does-not-exist.yaml']);
    expect(exitCode).toBe(2);
    expect(packages).toContain('testcontainers');
  });
});
