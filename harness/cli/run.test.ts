import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

/** A fresh output directory for one test, removed after it. */
async function withOutput(prefix: string, use: (output: string) => Promise<void>): Promise<void> {
  const output = await mkdtemp(join(tmpdir(), prefix));
  try {
    await use(output);
  } finally {
    await rm(output, { recursive: true, force: true });
  }
}

describe('bondlab run --target host with a hook in the root namespace', () => {
  it('is an input error with file, line and field, exit 2, and nothing is run', () =>
    withOutput('bondlab-test-hooks-', async (output) => {
      const run = await execa(
        'node',
        [cli, 'run', 'fixtures/scenarios-hooks/root-namespace-hook.yaml', '--target', 'host', '-o', output],
        { reject: false },
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        /^fixtures\/scenarios-hooks\/root-namespace-hook\.yaml:11:\d+: steps\[0\]\.hook\.in: a hook "in: none" runs as root/m,
      );
      expect(run.stderr).toContain('nothing was run');
      expect(await readdir(output)).toEqual([]);
    }));

  it('names the opt-in flag and its risk in --help', async () => {
    const help = await execa('node', [cli, 'run', '--help']);
    expect(help.stdout).toMatch(
      /--unsafe-host-hooks\s+let hooks with "in: none" run as root in this\s+machine's own namespaces/,
    );
  });
});

describe('output into a pipe closed early', () => {
  it('`bondlab run --help | head -0` ends quietly with exit 0 (no EPIPE crash)', async () => {
    // The reader is gone before node has started: every write meets a closed pipe.
    const child = execa('node', [cli, 'run', '--help'], { reject: false, buffer: { stdout: false } });
    child.stdout?.destroy();
    const { exitCode, stderr } = await child;
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(exitCode).toBe(0);
  });
});

describe('bondlab run --lab with a case the lab cannot carry', () => {
  it('refuses the run with the case, its place and the reason, exit 2, before any VM boots', () =>
    withOutput('bondlab-test-lab-', async (output) => {
      const run = await execa(
        'node',
        [cli, 'run', '--lab', 'fixtures/labs/emulated.yaml', 'fixtures/scenarios-lab/three-slaves.yaml', '-o', output],
        { reject: false },
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(
        /^fixtures\/scenarios-lab\/three-slaves\.yaml:10:1: lab-three-slaves: the scenario needs 3 slaves; the lab fixtures\/labs\/emulated\.yaml has 2 test NIC\(s\)$/m,
      );
      expect(run.stderr).not.toMatch(/lab-two-slaves/);
      expect(run.stderr).toContain('1 case(s) cannot run on the lab fixtures/labs/emulated.yaml; nothing was run');
      expect(await readdir(output)).toEqual([]);
    }));
});

describe('bondlab run --durations', () => {
  it('needs --shard or --jobs above 1 (it balances shards and orders workers), exit 2, nothing run', () =>
    withOutput('bondlab-test-durations-', async (output) => {
      const run = await execa(
        'node',
        [cli, 'run', 'scenarios/suite', '--jobs', '1', '--durations', 'no-such-results.json', '-o', output],
        { reject: false },
      );
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(
        '--durations balances shards and orders --jobs workers: give --shard i/n or --jobs N',
      );
      // With --jobs 2 it is taken: the file is read (here: it does not exist), still before anything runs.
      const jobs = await execa(
        'node',
        [cli, 'run', 'scenarios/suite', '--jobs', '2', '--durations', 'no-such-results.json', '-o', output],
        { reject: false },
      );
      expect(jobs.exitCode).toBe(2);
      expect(jobs.stderr).toMatch(/^bondlab: no-such-results\.json: ENOENT/m);
      expect(await readdir(output)).toEqual([]);
    }));
});
