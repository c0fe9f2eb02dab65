/**
 * `bondlab advise --run-matrix` end to end: a fresh mode-matrix run of two modes on a real kernel,
 * then advice whose every measured reason is a cell of that very run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { modeMatrix } from '../report/matrix.js';
import { reviveNanos, type RunResult } from '../runner/results.js';
import { resultsPath } from '../testing/cli-output.js';
import type { Advice, MeasuredCell } from './advice.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const measuredModes = ['active-backup', '802.3ad'];

describe(`bondlab advise --run-matrix on ${kernel}`, () => {
  it('measures only the modes asked for, and every reason cites a measured cell of that run or the documentation', async () => {
    const output = await mkdtemp(join(tmpdir(), 'bondlab-advise-vm-'));
    onTestFinished(() => rm(output, { recursive: true, force: true }));
    const run = await execa(
      'node',
      [
        cli,
        'advise',
        '--run-matrix',
        '--modes',
        measuredModes.join(','),
        '--kernel',
        kernel,
        '--switch',
        'lacp',
        '--spread-transmit',
        '--max-outage-cable-pull',
        '10s',
        '-o',
        output,
        '--json',
      ],
      { reject: false, env: { CI: 'true' } },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const advice = JSON.parse(run.stdout) as Advice;
    const file = resultsPath(run.stderr);
    const result = reviveNanos(JSON.parse(await readFile(file, 'utf8'))) as RunResult;
    expect(result.cases.map((c) => c.name).sort()).toEqual(
      measuredModes.map((mode) => `mode-matrix[mode=${mode}]`).sort(),
    );
    expect(advice.source).toMatchObject({ results: file, runId: result.runId });

    // Every measured cell cited is one of this run's cells, with its value.
    const rows = modeMatrix(result);
    const cited = advice.ranking.flatMap((m) => [
      ...m.reasons.flatMap((r) => r.evidence),
      ...m.options.flatMap((o) => o.evidence),
    ]);
    const cells = cited.filter((e): e is MeasuredCell => e.kind === 'measured');
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) {
      const row = rows.find((r) => r.mode === cell.mode);
      expect(cell.results).toBe(file);
      expect(cell.case).toBe(row?.case);
      expect(cell.value).toBe(row?.[cell.measurement]);
    }

    for (const mode of advice.ranking) {
      if (measuredModes.includes(mode.mode)) {
        // Measured here: nothing unmeasured, every reason with its evidence, the constraints judged on cells.
        expect(
          mode.reasons.filter((r) => r.effect === 'unmeasured'),
          mode.mode,
        ).toEqual([]);
        for (const reason of mode.reasons) expect(reason.evidence.length, reason.text).toBeGreaterThan(0);
        const judged = mode.reasons.filter((r) => /flows out|pulled cable/.test(r.text) && r.effect !== 'favours');
        expect(judged.length, mode.mode).toBeGreaterThanOrEqual(2);
        for (const reason of judged)
          expect(
            reason.evidence.some((e) => e.kind === 'measured'),
            reason.text,
          ).toBe(true);
      } else {
        // Not measured in this run: never a fit, and it says so.
        expect(mode.fits, mode.mode).toBe(false);
        expect(
          mode.reasons.some((r) => r.effect === 'unmeasured'),
          mode.mode,
        ).toBe(true);
        expect(cells.filter((c) => c.mode === mode.mode)).toEqual([]);
      }
    }
    // The documentation's answer for an LACP switch and many flows, on this run's evidence.
    expect(advice.ranking[0]).toMatchObject({ mode: '802.3ad', fits: true });
    const ab = advice.ranking.find((m) => m.mode === 'active-backup');
    expect(ab?.reasons.find((r) => r.effect === 'rules-out')?.evidence[0]).toMatchObject({
      kind: 'measured',
      measurement: 'txSlaves',
      value: 1,
    });
    const html = await readFile(join(dirname(file), 'report.html'), 'utf8');
    expect(html).toContain('<section class="panel" id="advice">');
    // Two matrix cases of five traffic windows each, in one VM under TCG on a loaded machine.
  }, 1_200_000);
});
