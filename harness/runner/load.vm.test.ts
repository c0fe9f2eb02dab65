import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as LoadSubset from '../../bench/load-subset.js';
import type * as Write from '../report/write.js';

// The run happens in this process, so it loads the built modules: the probe the target starts is dist's probe.cjs.
const dist = (path: string) => import(join(process.cwd(), 'dist', path));
const { oversubscribe, runSubset, wrongVerdicts } = (await dist('bench/load-subset.js')) as typeof LoadSubset;
const { writeReports } = (await dist('harness/report/write.js')) as typeof Write;

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

describe(`verdicts on a busy runner (${kernel})`, () => {
  it('with the CPU oversubscribed twice over, no true claim fails and every false claim still fails', async () => {
    const load = oversubscribe();
    try {
      const run = await runSubset({ kernel });
      const dir = join('reports', `load-${run.result.runId}`);
      await writeReports(run.result, dir);
      const inconclusive = run.result.cases.filter((c) => c.status === 'inconclusive').map((c) => c.name);
      console.log(
        `load test: ${load.count} busy processes, ${run.result.cases.length} cases, inconclusive: ${inconclusive.join(', ') || 'none'}; reports in ${dir}`,
      );
      expect(wrongVerdicts(run), `reports in ${dir}`).toEqual([]);
      expect(run.falseClaims.size).toBeGreaterThan(0);
      expect(run.result.cases.length).toBeGreaterThan(run.falseClaims.size + 10);
    } finally {
      load.stop();
    }
  });
});
