import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { resultsToJson, type CaseResult, type StepResult } from '../runner/results.js';
import { compareRuns, comparisonMarkdown, comparisonText } from './compare.js';
import { sampleCase, sampleRun, sampleWindow } from './sample-run.js';

const step = (held: boolean, actual: string): StepResult => ({
  index: 3,
  kind: 'expect',
  description: 'expect 1 claim(s)',
  outcome: held ? 'ok' : 'failed',
  durationMs: 5,
  checks: [{ name: 'outage <= 300 ms', passed: held, expected: '<= 300 ms', actual }],
});

function failoverCase(outageMs: number, held = true, fields: Partial<CaseResult> = {}): CaseResult {
  return sampleCase('failover[mode=active-backup]', {
    status: held ? 'passed' : 'failed',
    steps: [step(held, `${outageMs} ms`)],
    traffic: [sampleWindow([1, 0], [0, 0], { outageMs })],
    ...fields,
  });
}

describe('compare', () => {
  it('finds nothing between a run and itself', () => {
    const run = sampleRun([failoverCase(150)]);
    const comparison = compareRuns(run, run);
    expect(comparison).toMatchObject({ compared: 1, regressions: 0, improvements: 0, changes: [] });
    expect(comparisonMarkdown(comparison)).toContain('No changes beyond the tolerance.');
  });

  it('ignores an outage that grew within the tolerance (less than +50% or less than +100 ms)', () => {
    expect(compareRuns(sampleRun([failoverCase(150)]), sampleRun([failoverCase(240)])).changes).toEqual([]);
    expect(compareRuns(sampleRun([failoverCase(40)]), sampleRun([failoverCase(130)])).changes).toEqual([]);
  });

  it('reports a claim that stopped holding and an outage beyond the tolerance as regressions', () => {
    const comparison = compareRuns(sampleRun([failoverCase(150)]), sampleRun([failoverCase(420, false)]));
    expect(comparison.regressions).toBe(3);
    expect(comparison.changes.map((c) => [c.kind, c.what, c.baseline, c.current])).toEqual([
      ['verdict', 'verdict', 'passed', 'failed'],
      ['check', 'step 3: outage <= 300 ms', 'held: 150 ms', 'failed: 420 ms'],
      ['measurement', 'traffic window 1: outage', '150 ms', '420 ms'],
    ]);
    expect(comparisonText(comparison)).toMatch(/^regression  failover\[mode=active-backup\]: verdict: passed -> failed$/m);
  });

  it('reports the reverse as improvements, and spread, duplicates and missing cases as changes', () => {
    const spread = sampleCase('balance[mode=balance-rr]', { traffic: [sampleWindow([0.5, 0.5], [0, 0], { duplicates: 3 })] });
    const single = sampleCase('balance[mode=balance-rr]', { traffic: [sampleWindow([1, 0], [0, 0])] });
    const comparison = compareRuns(sampleRun([failoverCase(420, false), spread, sampleCase('gone')]), sampleRun([failoverCase(150), single]));
    expect(comparison.regressions).toBe(0);
    expect(comparison.improvements).toBe(3);
    expect(comparison.changes.filter((c) => c.direction === 'changed').map((c) => `${c.case}: ${c.what}`)).toEqual([
      'balance[mode=balance-rr]: traffic window 1: duplicates',
      'balance[mode=balance-rr]: traffic window 1: tx slaves carrying traffic',
      'gone: case',
    ]);
  });

  it('exits 1 on a regression, 0 without, 2 for a file that is not results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondlab-compare-'));
    const write = async (name: string, cases: CaseResult[]) => {
      await writeFile(join(dir, name), resultsToJson(sampleRun(cases)));
      return join(dir, name);
    };
    const [good, bad] = [await write('good.json', [failoverCase(150)]), await write('bad.json', [failoverCase(420, false)])];
    await writeFile(join(dir, 'junk.json'), '{"hello": 1}');
    const cli = (args: string[]) => execa('node', ['dist/harness/cli/main.js', 'compare', ...args], { reject: false });
    const worse = await cli([good, bad, '--json']);
    expect(worse.exitCode).toBe(1);
    expect((JSON.parse(worse.stdout) as { regressions: number }).regressions).toBe(3);
    expect((await cli([bad, good])).exitCode).toBe(0);
    const junk = await cli([good, join(dir, 'junk.json')]);
    expect(junk.exitCode).toBe(2);
    expect(junk.stderr).toContain('not a bondlab results file');
  });

  it('calls a move to or from an inconclusive case a change, never a regression or an improvement', () => {
    const undecided = failoverCase(900, false, { status: 'inconclusive' });
    const comparison = compareRuns(sampleRun([failoverCase(150)]), sampleRun([undecided]));
    expect(comparison.regressions).toBe(0);
    expect(comparison.improvements).toBe(0);
    expect(comparison.changes.map((c) => [c.kind, c.direction])).toEqual([
      ['verdict', 'changed'],
      ['check', 'changed'],
      ['measurement', 'changed'],
    ]);
    expect(compareRuns(sampleRun([undecided]), sampleRun([failoverCase(150)])).improvements).toBe(0);
  });
});
