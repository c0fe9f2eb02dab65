import { describe, expect, it } from 'vitest';
import { htmlReport } from '../report/html.js';
import { junitXml } from '../report/junit.js';
import { markdownSummary } from '../report/markdown.js';
import { repeatsText } from '../report/repeats.js';
import { repeatedCases, sampleCase, sampleRun } from '../testing/sample-run.js';
import { measurementsOf, summarizeRepeats } from './repeats.js';
import type { CaseResult } from './results.js';

describe('repeats', () => {
  it('names every measurement the same way in every repetition', () => {
    const names = measurementsOf(repeatedCases()[0] as CaseResult).map((m) => m.name);
    expect(names).toEqual([
      'traffic window 1: outage',
      'traffic window 1: loss',
      'traffic window 1: duplicates',
      'traffic window 1: reordered',
      'traffic window 1: longest delivery gap',
      'traffic window 1: probe rate achieved',
      'traffic window 1: tx slaves carrying traffic',
      'traffic window 1: eth0 tx share',
      'traffic window 1: eth1 tx share',
      'traffic window 1: rx slaves carrying traffic',
      'traffic window 1: eth0 rx share',
      'traffic window 1: eth1 rx share',
      'failover 1 (far side p0 down): state change',
      'failover 1 (far side p0 down): delivery restored',
    ]);
  });

  it('gives a pass rate, flags a case that passed and failed as flaky, and summarises each measurement', () => {
    const [summary] = summarizeRepeats(repeatedCases()) ?? [];
    expect(summary).toMatchObject({
      name: 'failover[mode=active-backup]',
      runs: 3,
      outcomes: { passed: 2, failed: 1 },
      passRate: 2 / 3,
      flaky: true,
    });
    expect(summary?.measurements.find((m) => m.name === 'traffic window 1: outage')).toEqual({
      name: 'traffic window 1: outage',
      unit: 'ms',
      headline: true,
      n: 3,
      median: 200,
      min: 100,
      max: 300,
      q1: 150,
      q3: 250,
      iqr: 100,
      values: [100, 300, 200],
    });
    expect(summary?.measurements.find((m) => m.name.endsWith('state change'))).toMatchObject({
      median: 30,
      min: -12,
      note: "1 of 3 negative: the kernel reacted before the fault's command returned",
    });
  });

  it('is absent when no case ran more than once, and not flaky when every repetition failed', () => {
    expect(summarizeRepeats([sampleCase('a'), sampleCase('b')])).toBeUndefined();
    const failed = repeatedCases().map((c) => ({ ...c, status: 'failed' as const }));
    expect(summarizeRepeats(failed)?.[0]).toMatchObject({ passRate: 0, flaky: false });
  });

  it('appears in the command-line summary, Markdown, HTML and JUnit', () => {
    const run = sampleRun(repeatedCases());
    expect(repeatsText(run)).toContain(
      'failover[mode=active-backup]: 2/3 passed, 1 failed, flaky\n    traffic window 1: outage: median 200 ms (100 ms to 300 ms, IQR 100 ms, n=3)',
    );
    expect(markdownSummary(run)).toContain(
      '| failover[mode=active-backup] | **2/3 passed, 1 failed, flaky** | traffic window 1: outage | median 200 ms (100 ms to 300 ms, IQR 100 ms, n=3) |',
    );
    const html = htmlReport(run);
    expect(html).toContain('<section class="panel" id="repeats">');
    expect(html).toContain('<span class="badge flaky">flaky</span>');
    expect(html).toContain('eth1 rx share');
    // Repetition 1's failover table: its negative state change explained in place.
    expect(html).toMatch(
      /-12 ms<br><span class="note">the kernel reacted before the fault&#39;s command returned<\/span>/,
    );
    const xml = junitXml(run);
    expect(xml.match(/repeats: 2\/3 passed, 1 failed, flaky/g)).toHaveLength(3);
    expect(xml).toContain('<property name="flaky" value="failover[mode=active-backup]"/>');
    expect(xml.match(/<failure /g)).toHaveLength(1);
  });
});
