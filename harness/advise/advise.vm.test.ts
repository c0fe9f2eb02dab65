import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../runner/results.js';
import { resultsPath } from '../testing/cli-output.js';
import type { Advice } from './rank.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

describe(`bondlab advise --run-matrix on ${kernel}`, async () => {
  const output = await mkdtemp(join(tmpdir(), 'bondlab-advise-test-'));
  afterAll(() => rm(output, { recursive: true, force: true }));

  it('measures the modes now and ranks them from that run, its report.html carrying the advice', async () => {
    const run = await execa('node', [cli, 'advise', '--run-matrix', '--kernel', kernel, '--switch', 'lacp', '--spread-transmit', '--reordering', 'forbidden', '--json', '-o', output], { reject: false, env: { CI: 'true' } });
    expect(run.exitCode, run.stderr).toBe(0);
    const advice = JSON.parse(run.stdout) as Advice;
    const file = resultsPath(run.stderr);
    expect(advice.source.results).toBe(file);
    // bonding.rst 12.1.1: with an LACP switch and no need for one fast flow, 802.3ad.
    expect(advice.ranking[0]).toMatchObject({ mode: '802.3ad', fits: true });
    const cells = advice.ranking.flatMap((m) => m.reasons.flatMap((r) => r.evidence)).filter((e) => e.kind === 'measured');
    const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
    // Each cited cell is a case of this very run.
    for (const cell of cells) expect(result.cases.map((c) => c.name)).toContain(cell.case);
    expect(result.advice?.ranking[0]?.mode).toBe('802.3ad');
    const html = await readFile(join(dirname(file), 'report.html'), 'utf8');
    expect(html).toContain('id="advice"');
    // Seven modes, five traffic windows each: minutes under TCG on a loaded machine.
  }, 1_200_000);
});
