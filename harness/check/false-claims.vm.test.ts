/**
 * On the real kernel: false claims fail (never pass, however loaded the machine), and the true
 * claim beside them never fails. Each window's loss is split by cause.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import { resultsPath } from '../testing/cli-output.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

describe(`false claims on ${kernel} in the VM`, () => {
  it('fails a failover claimed shorter than the downdelay and a lossless one, and passes (or cannot decide) the true downdelay claim', async () => {
    // "downdelay" selects the two false claims and the shipped downdelay-outage case.
    const run = await execa(
      'node',
      [
        cli,
        'run',
        'fixtures/scenarios-false',
        'scenarios/traffic/mode-claims.yaml',
        '--filter',
        'downdelay',
        '--retry-inconclusive',
        '2',
        '--kernel',
        kernel,
      ],
      {
        reject: false,
        env: { CI: 'true' },
      },
    );
    const path = resultsPath(run.stderr);
    const result = (await readResults(path)).run;
    const byName = (name: string) => result.cases.find((c) => c.name === name);
    expect(result.cases.map((c) => c.name).sort()).toEqual([
      'downdelay-outage',
      'false-failover-shorter-than-downdelay',
      'false-lossless-downdelay-failover',
    ]);
    for (const name of ['false-failover-shorter-than-downdelay', 'false-lossless-downdelay-failover']) {
      const falseClaim = byName(name);
      expect(falseClaim?.status, `${name}:\n${run.stderr}`).toBe('failed');
      // An earlier attempt may have been inconclusive; none may have passed.
      for (const attempt of falseClaim?.attempts ?? []) expect(attempt.status).toBe('inconclusive');
    }
    const truth = byName('downdelay-outage');
    expect(['passed', 'inconclusive'], run.stderr).toContain(truth?.status);
    const totals = truth?.traffic[0]?.totals;
    expect(totals?.causes?.failover).toBeGreaterThan(0);
    expect((totals?.causes?.failover ?? 0) + (totals?.causes?.unrelated ?? 0) + (totals?.causes?.harness ?? 0)).toBe(
      totals?.lost,
    );
    expect(totals?.failovers?.[0]?.outageMs).toBeGreaterThanOrEqual(400);
    expect(run.exitCode).toBe(1);
    // Three cases with up to two retries each: minutes on a loaded runner under TCG.
  }, 900_000);
});
