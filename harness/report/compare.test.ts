import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsToJson, type CaseResult, type StepResult } from '../runner/results.js';
import { compareRuns, comparisonMarkdown, comparisonText } from './compare.js';
import { sampleCase, sampleRun, sampleWindow } from '../testing/sample-run.js';

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

  it('reports a claim that stopped holding as a regression, and an outage beyond the tolerance on one sample as unconfirmed', () => {
    const comparison = compareRuns(sampleRun([failoverCase(150)]), sampleRun([failoverCase(420, false)]));
    expect(comparison).toMatchObject({ regressions: 2, unconfirmed: 1 });
    expect(comparison.changes.map((c) => [c.kind, c.what, c.baseline, c.current, c.direction])).toEqual([
      ['verdict', 'verdict', 'passed', 'failed', 'regression'],
      ['check', 'step 3: outage <= 300 ms', 'held: 150 ms', 'failed: 420 ms', 'regression'],
      ['measurement', 'traffic window 1: outage', '150 ms', '420 ms', 'unconfirmed'],
    ]);
    expect(comparison.changes[2]).toMatchObject({ leaning: 'worse', evidence: { baselineRuns: 1, currentRuns: 1 } });
    const text = comparisonText(comparison);
    expect(text).toMatch(/^regression {2}failover\[mode=active-backup\]: verdict: passed -> failed$/m);
    expect(text).toMatch(
      /^unconfirmed \(worse\) failover\[mode=active-backup\]: traffic window 1: outage: 150 ms -> 420 ms; rests on one sample \(both runs\)/m,
    );
    expect(text).toContain('rests on one sample and is reported as unconfirmed, not as a regression');
  });

  it('keys checks by their claim id, so a check whose wording changed is the same check', () => {
    const worded = (name: string, held: boolean) =>
      failoverCase(150, held, {
        steps: [
          {
            ...step(held, '150 ms'),
            checks: [
              { id: 'traffic-outage{"maxMs":300}', name, passed: held, expected: '<= 300 ms', actual: '150 ms' },
            ],
          },
        ],
      });
    const reworded = compareRuns(
      sampleRun([worded('outage <= 300 ms', true)]),
      sampleRun([worded('outage at most 300 ms', true)]),
    );
    expect(reworded.changes).toEqual([]);
    const failed = compareRuns(
      sampleRun([worded('outage <= 300 ms', true)]),
      sampleRun([worded('outage at most 300 ms', false)]),
    );
    expect(failed.changes.filter((c) => c.kind === 'check').map((c) => [c.what, c.direction])).toEqual([
      ['step 3: outage at most 300 ms', 'regression'],
    ]);
    // A baseline written before checks had ids is compared by the checks' names.
    const older = compareRuns(sampleRun([failoverCase(150)]), sampleRun([worded('outage <= 300 ms', false)]));
    expect(older.changes.filter((c) => c.kind === 'check').map((c) => c.what)).toEqual(['step 3: outage <= 300 ms']);
  });

  it('reports the reverse as improvements, and spread, duplicates and missing cases as changes', () => {
    const spread = sampleCase('balance[mode=balance-rr]', {
      traffic: [sampleWindow([0.5, 0.5], [0, 0], { duplicates: 3 })],
    });
    const single = sampleCase('balance[mode=balance-rr]', { traffic: [sampleWindow([1, 0], [0, 0])] });
    const comparison = compareRuns(
      sampleRun([failoverCase(420, false), spread, sampleCase('gone')]),
      sampleRun([failoverCase(150), single]),
    );
    expect(comparison).toMatchObject({ regressions: 0, improvements: 2, unconfirmed: 1 });
    expect(comparison.changes.find((c) => c.direction === 'unconfirmed')).toMatchObject({
      what: 'traffic window 1: outage',
      leaning: 'better',
    });
    expect(comparison.changes.filter((c) => c.direction === 'changed').map((c) => `${c.case}: ${c.what}`)).toEqual([
      'balance[mode=balance-rr]: traffic window 1: duplicates',
      'balance[mode=balance-rr]: traffic window 1: tx slaves carrying traffic',
      'gone: case',
    ]);
  });

  it('shows a negative failover time as the kernel reacting before the command returned, and counts it as at once', () => {
    const failover = (stateChangeMs: number) => ({
      fault: 'far side p0 down',
      faultNs: 0n,
      stateChangeMs,
      outageMs: 0,
    });
    const comparison = compareRuns(
      sampleRun([sampleCase('xor', { failovers: [failover(101)] })]),
      sampleRun([sampleCase('xor', { failovers: [failover(-12)] })]),
    );
    expect(comparison.changes).toEqual([
      expect.objectContaining({
        what: 'failover 1 (far side p0 down): state change',
        baseline: '101 ms',
        current: "-12 ms (the kernel reacted before the fault's command returned)",
        direction: 'unconfirmed',
        leaning: 'better',
      }),
    ]);
  });
});

/** One case run once per outage, as --repeat writes it: same name, repetitions 1..n. */
function repeated(outages: number[], held: (i: number) => boolean = () => true): CaseResult[] {
  return outages.map((outage, i) => failoverCase(outage, held(i), { repetition: i + 1 }));
}

describe('compare with repetitions', () => {
  it('calls a significant move beyond the tolerance a regression, with the test behind it', () => {
    const comparison = compareRuns(
      sampleRun(repeated([100, 110, 120, 105, 115])),
      sampleRun(repeated([400, 420, 390, 410, 430])),
    );
    const [outage] = comparison.changes.filter((c) => c.kind === 'measurement');
    expect(outage).toMatchObject({
      what: 'traffic window 1: outage',
      baseline: 'median 110 ms (100 ms to 120 ms, IQR 10 ms, n=5)',
      current: 'median 410 ms (390 ms to 430 ms, IQR 20 ms, n=5)',
      direction: 'regression',
      evidence: { baselineRuns: 5, currentRuns: 5, test: { method: 'exact', u: 25, effect: 1 } },
    });
    // Five against five, completely apart: exact two-sided p = 2/252.
    expect(outage?.evidence?.test?.p).toBeCloseTo(2 / 252, 12);
    expect(outage?.evidence?.note).toBe(
      'p = 0.0079 (Mann-Whitney U, exact; 5 runs and 5 runs), effect +1.00 (rank-biserial, + = current higher)',
    );
    expect(comparison.baseline.repetitions).toBe(5);
    expect(comparisonMarkdown(comparison)).toContain(
      '| regression | failover[mode=active-backup] | traffic window 1: outage |',
    );
  });

  it('leaves a move beyond the tolerance that the test does not confirm unconfirmed', () => {
    const comparison = compareRuns(
      sampleRun(repeated([0, 0, 176, 0, 0])),
      sampleRun(repeated([108, 120, 0, 221, 130])),
    );
    expect(comparison.regressions).toBe(0);
    expect(comparison.changes.filter((c) => c.kind === 'measurement')).toEqual([
      expect.objectContaining({
        what: 'traffic window 1: outage',
        direction: 'unconfirmed',
        leaning: 'worse',
        evidence: expect.objectContaining({ note: expect.stringMatching(/^not significant at 0.05: p = 0.17 /) }),
      }),
    ]);
  });

  it('says a move rests on one sample when one side ran once', () => {
    const comparison = compareRuns(sampleRun(repeated([100])), sampleRun(repeated([400, 420, 390, 410, 430])));
    expect(comparison.changes.filter((c) => c.kind === 'measurement')).toEqual([
      expect.objectContaining({
        direction: 'unconfirmed',
        evidence: {
          baselineRuns: 1,
          currentRuns: 5,
          note: 'rests on one sample (the baseline): repeat with --repeat 5 or more to test it',
        },
      }),
    ]);
  });

  it('does not pair repetition #k with #k: the same values in another order are no change', () => {
    expect(compareRuns(sampleRun(repeated([100, 500, 300])), sampleRun(repeated([500, 300, 100]))).changes).toEqual([]);
  });

  it('sees no verdict change between a case that passed once and one that passed every repetition', () => {
    expect(compareRuns(sampleRun(repeated([100])), sampleRun(repeated([100, 100, 100]))).changes).toEqual([]);
  });

  it('compares verdicts as pass rates and names a flaky case', () => {
    const comparison = compareRuns(
      sampleRun(repeated([100, 100, 100, 100])),
      sampleRun(repeated([100, 100, 100, 100], (i) => i % 2 === 0)),
    );
    expect(
      comparison.changes
        .filter((c) => c.kind !== 'measurement')
        .map((c) => [c.kind, c.baseline, c.current, c.direction]),
    ).toEqual([
      ['verdict', '4/4 passed', '2/4 passed, 2 failed, flaky', 'regression'],
      ['check', 'held 4/4', 'held 2/4, failed: 100 ms', 'regression'],
    ]);
  });
});

describe('compare on the command line', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 on a regression, 0 without, 2 for a file that is not results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondlab-compare-'));
    dirs.push(dir);
    const write = async (name: string, cases: CaseResult[]) => {
      await writeFile(join(dir, name), resultsToJson(sampleRun(cases)));
      return join(dir, name);
    };
    const [good, bad] = [
      await write('good.json', [failoverCase(150)]),
      await write('bad.json', [failoverCase(420, false)]),
    ];
    await writeFile(join(dir, 'junk.json'), '{"hello": 1}');
    const cli = (args: string[]) => execa('node', ['dist/harness/cli/main.js', 'compare', ...args], { reject: false });
    const [worse, better, junk] = await Promise.all([
      cli([good, bad, '--json']),
      cli([bad, good]),
      cli([good, join(dir, 'junk.json')]),
    ]);
    expect(worse.exitCode).toBe(1);
    expect(JSON.parse(worse.stdout) as { regressions: number; unconfirmed: number }).toMatchObject({
      regressions: 2,
      unconfirmed: 1,
    });
    expect(better.exitCode).toBe(0);
    expect(junk.exitCode).toBe(2);
    expect(junk.stderr).toContain('not a bondlab results file');
    const invalid = [
      ['--alpha', '2'],
      ['--loss', ''],
      ['--outage-ms', '5x'],
      ['--throughput-ratio', '-1'],
    ] as const;
    const refused = await Promise.all(invalid.map(([option, value]) => cli([good, bad, option, value])));
    refused.forEach((result, i) => {
      expect(result.exitCode, invalid[i]?.join(' ')).toBe(2);
      expect(result.stderr).toContain(`argument '${invalid[i]?.[1] ?? ''}' is invalid`);
    });
  }, 120_000);

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
