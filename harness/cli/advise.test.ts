import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Advice } from '../advise/advice.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const matrix = join(process.cwd(), 'fixtures', 'matrix', 'bookworm-6.1-tcg.results.json');
const advise = (...args: string[]) => execa('node', [cli, 'advise', ...args], { reject: false });

// Each case starts node a few times; a loaded shared machine takes seconds per start.
describe('bondlab advise (command line)', { timeout: 90_000 }, () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-advise-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('ranks from a file of constraints, flags over it, exit 0 when a mode fits', async () => {
    const file = join(dir, 'mine.yaml');
    await writeFile(file, 'switch: none\nspreadReceive: true\n');
    const run = await advise('-r', matrix, '-c', file, '--switch', 'lacp', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    const advice = JSON.parse(run.stdout) as Advice;
    expect(advice.constraints).toMatchObject({ switch: 'lacp', spreadReceive: true });
    expect(advice.ranking[0]?.mode).toBe('802.3ad');
    const markdown = await advise('-r', matrix, '--switch', 'none', '--spread-receive', '--format', 'markdown');
    expect(markdown.stdout).toContain('| 1 | balance-alb | fits |');
  });

  it('exits 1 when no mode meets every constraint', async () => {
    const run = await advise('-r', matrix, '--switch', 'none', '--single-flow-faster');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('No mode meets every constraint');
  });

  it('exits 2 with file:line:column: field for a bad constraints file, and names a bad flag', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'switch: lacp\nmonitoring: [mii, snmp]\n');
    const bad = await advise('-r', matrix, '-c', file);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`${file}:2:19: monitoring[1]: must be one of mii, arp`);
    const flag = await advise('-r', matrix, '--max-outage-cable-pull', 'soon');
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('--max-outage-cable-pull: "soon" is not a duration');
    const modes = await advise('--run-matrix', '--modes', 'active-backup,9,balance-foo');
    expect(modes.exitCode).toBe(2);
    expect(modes.stderr).toContain('--modes: "9", "balance-foo" is not a mode');
    const alone = await advise('-r', matrix, '--modes', 'active-backup');
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain('--modes chooses what --run-matrix measures');
    const none = await advise('--switch', 'lacp');
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--results <results.json> or --run-matrix');
  });

  it('refuses a results file without a mode matrix', async () => {
    const run = await advise('-r', join(process.cwd(), 'fixtures', 'timelines', 'updelay-6.1-loaded.json'));
    expect(run.exitCode).toBe(2);
  });
});
