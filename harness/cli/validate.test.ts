import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../scenario/limits.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

describe('bondlab validate on hostile input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every file’s errors as file:line:column: field, with exit code 2, past a FIFO and a 10^8-case matrix', async () => {
    const scenarios = join(dir, 'scenarios');
    await mkdir(scenarios);
    const tenValues = '[0,1,2,3,4,5,6,7,8,9]';
    const keys = [
      'miimon',
      'updelay',
      'downdelay',
      'peer_notif_delay',
      'arp_interval',
      'resend_igmp',
      'num_grat_arp',
      'min_links',
    ];
    await writeFile(
      join(scenarios, 'a-matrix.yaml'),
      `name: m\nbond: { mode: 1 }\nmatrix:\n${keys.map((key) => `  ${key}: ${tenValues}`).join('\n')}\nsteps: [build]\n`,
    );
    await writeFile(
      join(scenarios, 'b-values.yaml'),
      'name: v\nbond: { mode: 1, miimon: .nan }\nsteps: [build, { wait: 3000000s }]\n',
    );
    await writeFile(join(scenarios, 'c-good.yaml'), 'name: good\nbond: { mode: 1 }\nsteps: [build]\n');
    await execa('mkfifo', [join(scenarios, 'd-fifo.yaml')]);
    await symlink('/dev/zero', join(scenarios, 'e-zero.yaml'));
    // A hang or an out-of-memory abort fails here: the timeout kills it and the exit code is not 2.
    const run = await execa('node', [cli, 'validate', scenarios], { reject: false, timeout: 120_000 });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      `${scenarios}/a-matrix.yaml:4:3: matrix: the matrix makes 100000000 cases; a scenario may make at most ${LIMITS.casesPerScenario}`,
      `${scenarios}/b-values.yaml:2:26: bond.miimon: not a number (.nan); expected a value of type integer`,
      expect.stringMatching(
        new RegExp(`^${scenarios}/b-values.yaml:3:24: steps\\[1\\]\\.wait: expected .*up to 3600s.*; got "3000000s"$`),
      ),
      `${scenarios}/d-fifo.yaml:0:0: a FIFO, not a scenario file`,
      `${scenarios}/e-zero.yaml:0:0: a character device, not a scenario file`,
    ]);

    const json = await execa('node', [cli, 'validate', '--json', scenarios], { reject: false, timeout: 120_000 });
    expect(json.exitCode).toBe(2);
    const { errors } = JSON.parse(json.stdout) as { errors: { file: string; line: number; field: string }[] };
    expect(errors.map((e) => `${e.file.slice(scenarios.length + 1)}:${e.line}:${e.field}`)).toEqual([
      'a-matrix.yaml:4:matrix',
      'b-values.yaml:2:bond.miimon',
      'b-values.yaml:3:steps[1].wait',
      'd-fifo.yaml:0:',
      'e-zero.yaml:0:',
    ]);
  }, 300_000);

  it('states its limits in --help', async () => {
    const help = await execa('node', [cli, 'validate', '--help']);
    expect(help.stdout).toContain(
      `at most ${LIMITS.casesPerScenario} cases per scenario and ${LIMITS.casesInAll} in all`,
    );
  }, 60_000);

  it('stops at once on SIGTERM or Ctrl-C in the middle of a long load', async () => {
    const slow = join(dir, 'slow');
    await mkdir(slow);
    // About 1 MiB of scenarios of 1000 cases and 200 steps each: seconds of parsing and expanding per copy.
    const values = '[0,1,2,3,4,5,6,7,8,9]';
    const doc = (n: number) =>
      `name: s${n}\nbond: { mode: 1 }\nmatrix: { miimon: ${values}, updelay: ${values}, downdelay: ${values} }\nsteps:\n  - build\n${'  - wait: 1ms\n'.repeat(199)}`;
    const docs: string[] = [];
    for (let n = 0, size = 0; size + 4000 < LIMITS.fileBytes; n++) {
      docs.push(doc(n));
      size += (docs.at(-1)?.length ?? 0) + 4;
    }
    await writeFile(join(slow, 'copy-00.yaml'), docs.join('---\n'));
    for (let i = 1; i < 30; i++)
      await link(join(slow, 'copy-00.yaml'), join(slow, `copy-${String(i).padStart(2, '0')}.yaml`));

    const stop = async (signal: 'SIGTERM' | 'SIGINT') => {
      const child = execa('node', [cli, 'validate', slow], { reject: false, timeout: 300_000 });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const runningWhenSignalled = child.exitCode === null;
      const sent = performance.now();
      child.kill(signal);
      const result = await child;
      return { runningWhenSignalled, stoppedAfterMs: performance.now() - sent, result };
    };
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const { runningWhenSignalled, stoppedAfterMs, result } = await stop(signal);
      expect(runningWhenSignalled, `${signal}: validate was still loading`).toBe(true);
      expect(
        result.signal === signal || result.exitCode === code,
        `${signal}: ${result.signal ?? result.exitCode}`,
      ).toBe(true);
      // The load itself takes far longer than this (tens of seconds): a signal that waited for it fails.
      expect(stoppedAfterMs).toBeLessThan(5000);
    }
  }, 300_000);
});
