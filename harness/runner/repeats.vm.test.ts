import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import { measurementsOf } from './repeats.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

describe(`bondlab run --repeat on ${kernel} in the VM`, () => {
  it('reports a pass rate and every measurement of the real repetitions as a distribution', async () => {
    const run = await execa('node', [cli, 'run', 'fixtures/scenarios-repeat', '--repeat', '3', '--kernel', kernel], {
      reject: false,
      env: { CI: 'true' },
    });
    const file = /^results: (\S+)/m.exec(run.stderr)?.[1];
    expect(file, run.stderr).toBeDefined();
    const result = (await readResults(file ?? '')).run;
    expect(result.cases.map((c) => c.repetition)).toEqual([1, 2, 3]);
    expect(run.exitCode, run.stderr).toBe(result.summary.passed === 3 ? 0 : 1);
    const [repeats] = result.repeats ?? [];
    const passed = result.cases.filter((c) => c.status === 'passed').length;
    expect(repeats).toMatchObject({
      name: 'failover-measured',
      runs: 3,
      passRate: passed / 3,
      flaky: passed > 0 && passed < 3,
    });
    // Every value a repetition measured is in its distribution, in run order.
    const measured = result.cases.flatMap(measurementsOf);
    expect(measured.map((m) => m.name)).toContain('traffic window 1: outage');
    for (const distribution of repeats?.measurements ?? []) {
      expect(distribution.values, distribution.name).toEqual(
        measured.filter((m) => m.name === distribution.name).map((m) => m.value),
      );
      expect(distribution.min).toBeLessThanOrEqual(distribution.median);
      expect(distribution.median).toBeLessThanOrEqual(distribution.max);
    }
    expect(repeats?.measurements.length).toBe(new Set(measured.map((m) => m.name)).size);
    expect(run.stderr).toMatch(new RegExp(`^repeats:\\n  failover-measured: ${passed}/3 passed`, 'm'));
    expect(run.stderr).toMatch(/^ {4}traffic window 1: outage: /m);
  }, 600_000);
});
