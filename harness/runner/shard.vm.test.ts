/**
 * A suite run whole with --jobs 2 (two VMs at once), then as shards 1/3, 2/3, 3/3 (one VM each)
 * joined by `bondlab merge`: the same cases with the same verdicts, in the same order.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsPath } from '../testing/cli-output.js';
import type { RunResult } from './results.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const suite = 'scenarios/all-modes.yaml';

async function bondlab(args: string[]): Promise<{ run: RunResult; stderr: string; exitCode: number | undefined }> {
  const result = await execa('node', [cli, ...args], { reject: false, env: { CI: 'true' } });
  return {
    run: JSON.parse(readFileSync(resultsPath(result.stderr), 'utf8')) as RunResult,
    stderr: result.stderr,
    exitCode: result.exitCode,
  };
}

const verdicts = (run: RunResult) => run.cases.map((c) => [c.name, c.status]);

describe(`${suite} on ${kernel}: --jobs 2, and sharded 1/3 2/3 3/3 then merged`, () => {
  let output: string;
  beforeAll(async () => {
    output = await mkdtemp(join(tmpdir(), 'bondlab-test-shards-'));
  });
  afterAll(async () => {
    await rm(output, { recursive: true, force: true });
  });

  it('gives the same cases and verdicts in the listed order', async () => {
    const listed = (await execa('node', [cli, 'validate', suite, '--list'])).stdout.split('\n').slice(1);
    const whole = await bondlab(['run', suite, '--kernel', kernel, '--jobs', '2', '-o', output]);
    expect(
      whole.run.cases.map((c) => c.name),
      whole.stderr,
    ).toEqual(listed);
    // Two workers: some cases ran at the same time, each on its own VM.
    const spans = whole.run.cases.map(
      (c) => [Date.parse(c.startedAt), Date.parse(c.startedAt) + c.durationMs] as const,
    );
    expect(
      spans.some(([start, end], i) => spans.some(([s, e], j) => j !== i && s < end && start < e)),
      whole.stderr,
    ).toBe(true);
    // CI output: every line of a case is prefixed with it.
    expect(whole.stderr).toMatch(/^\[\d\/7\] all-modes\[mode=[a-z0-9.-]+\]: start$/m);

    const shards: string[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const part = await bondlab(['run', suite, '--kernel', kernel, '--shard', shard, '-o', output]);
      expect(part.run.shard).toBe(shard);
      shards.push(resultsPath(part.stderr));
    }
    const merged = await execa('node', [cli, 'merge', ...shards, '-o', output], { reject: false });
    const { run } = { run: JSON.parse(readFileSync(resultsPath(merged.stderr), 'utf8')) as RunResult };
    expect(verdicts(run), merged.stderr).toEqual(verdicts(whole.run));
    expect(new Set(run.cases.map((c) => c.shard))).toEqual(new Set(['1/3', '2/3', '3/3']));
    expect(merged.exitCode).toBe(whole.exitCode);
    // Four runs, five VM boots under TCG: a busy shared runner needs the time.
  }, 1_800_000);
});
