import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCase, sampleRun } from '../testing/sample-run.js';
import { resultsToJson, type RunResult } from '../runner/results.js';
import { readResults } from './results-file.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

describe('bondlab merge', () => {
  let dir: string;
  const write = async (name: string, run: RunResult | string) => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'results.json'), typeof run === 'string' ? run : resultsToJson(run));
    return join(dir, name);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-test-merge-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one run from the shards: results.json (valid), junit.xml, summary.md, report.html, cases labelled', async () => {
    const one = await write(
      'one',
      sampleRun([sampleCase('a', { suiteIndex: 0, kernel: 'debian:bookworm' })], { shard: '1/2', runId: 'r1' }),
    );
    const two = await write(
      'two',
      sampleRun([sampleCase('b', { suiteIndex: 1, kernel: 'debian:bookworm', status: 'failed' })], {
        shard: '2/2',
        runId: 'r2',
      }),
    );
    const out = join(dir, 'out');
    const merged = await execa('node', [cli, 'merge', two, one, '-o', out], { reject: false });
    expect(merged.exitCode).toBe(1);
    const [runDir] = await readdir(out);
    expect((await readdir(join(out, runDir ?? ''))).sort()).toEqual([
      'junit.xml',
      'report.html',
      'results.json',
      'summary.md',
    ]);
    const { run } = await readResults(join(out, runDir ?? ''));
    expect(run.cases.map((c) => [c.name, c.shard, c.kernel, c.target])).toEqual([
      ['a', '1/2', 'debian:bookworm', 'vm (6.1.0-56-amd64, tcg)'],
      ['b', '2/2', 'debian:bookworm', 'vm (6.1.0-56-amd64, tcg)'],
    ]);
    expect(run.mergedFrom).toEqual(['r2', 'r1']);
    const origin = 'shard 2/2, kernel debian:bookworm, vm (6.1.0-56-amd64, tcg)';
    expect(await readFile(join(out, runDir ?? '', 'junit.xml'), 'utf8')).toContain(origin);
    expect(await readFile(join(out, runDir ?? '', 'summary.md'), 'utf8')).toContain(`| b (${origin}) |`);
    expect(await readFile(join(out, runDir ?? '', 'report.html'), 'utf8')).toMatch(/shard<\/dt>\s*<dd>2\/2/);
  });

  it('says which shard is missing and exits 1', async () => {
    const one = await write('only-one', sampleRun([sampleCase('a')], { shard: '1/3' }));
    const merged = await execa('node', [cli, 'merge', one, '-o', join(dir, 'out-missing')], { reject: false });
    expect(merged.exitCode).toBe(1);
    expect(merged.stderr).toContain('shard(s) 2/3, 3/3 missing');
  });

  it('refuses a file that is not a bondlab result, exit 2, writing nothing', async () => {
    const good = await write('good', sampleRun([sampleCase('a')], { shard: '1/2' }));
    const bad = await write('bad', '{"hello": "world"}\n');
    const out = join(dir, 'out-bad');
    const merged = await execa('node', [cli, 'merge', good, bad, '-o', out], { reject: false });
    expect(merged.exitCode).toBe(2);
    expect(merged.stderr).toContain(`${join(bad, 'results.json')}: not a bondlab results file`);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('refuses results of another bondlab version, exit 2', async () => {
    const a = await write('v1', sampleRun([sampleCase('a')], { shard: '1/2' }));
    const b = await write('v0', sampleRun([sampleCase('b')], { shard: '2/2', bondlabVersion: '0.0.1' }));
    const merged = await execa('node', [cli, 'merge', a, b, '-o', join(dir, 'out-version')], { reject: false });
    expect(merged.exitCode).toBe(2);
    expect(merged.stderr).toMatch(
      /written by bondlab 0\.0\.1, .* by bondlab 0\.1\.0: results of different versions are not merged/,
    );
  });
});
