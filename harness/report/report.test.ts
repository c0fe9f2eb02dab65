import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import type { CaseResult, RunResult } from '../runner/results.js';
import { junitXml } from './junit.js';
import { markdownSummary } from './markdown.js';
import { repeatedCases, sampleRun } from '../testing/sample-run.js';
import { writeReports } from './write.js';

function caseResult(name: string, status: CaseResult['status'], file: string): CaseResult {
  return {
    name,
    scenario: name.split('[')[0] ?? name,
    file,
    parameters: {},
    repetition: 1,
    target: 'vm (6.1.0-56-amd64, tcg)',
    status,
    startedAt: '2026-11-24T23:00:00.000Z',
    durationMs: 2500,
    steps: [
      {
        index: 0,
        kind: 'fault',
        description: 'detach slave0 with ip (eth0)',
        outcome: 'ok',
        durationMs: 100,
        checks: [],
      },
      {
        index: 1,
        kind: 'expect',
        description: 'expect 1 claim(s)',
        outcome: status === 'passed' ? 'ok' : 'failed',
        durationMs: 500,
        checks: [
          {
            name: 'active slave is slave0 (eth0)',
            passed: status === 'passed',
            expected: 'eth0',
            actual: status === 'passed' ? 'eth0' : 'eth1',
          },
        ],
      },
    ],
    timeline: [],
    traffic: [],
    throughput: [],
    failovers: [],
    procAtFailure: status === 'passed' ? undefined : 'Currently Active Slave: eth1 & <more>\n',
  };
}

const run: RunResult = {
  runId: 'r1',
  startedAt: '2026-11-24T23:00:00.000Z',
  durationMs: 9000,
  bondlabVersion: '0.1.0',
  targets: ['vm (6.1.0-56-amd64, tcg)'],
  cases: [
    caseResult('debian-guide', 'passed', 'scenarios/debian-guide.yaml'),
    caseResult('false-claim', 'failed', 'fixtures/false.yaml'),
    caseResult('all-modes[mode=broadcast]', 'passed', 'fixtures/false.yaml'),
  ],
  summary: { total: 3, passed: 2, failed: 1, errors: 0 },
};

describe('JUnit report', () => {
  const xml = junitXml(run);

  it('has one suite per scenario file and one case per expanded case, with times', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    const suite = /<testsuite name="fixtures\/false.yaml"[^>]*>/.exec(xml)?.[0] ?? '';
    expect(suite).toContain('tests="2" failures="1" errors="0"');
    expect(suite).toContain('time="5"');
    expect(xml).not.toMatch(/<testsuites[^>]*skipped=/);
    expect(suite).toContain('timestamp="2026-11-24T23:00:00');
    expect(xml).toContain('name="all-modes[mode=broadcast]"');
    expect(xml).toMatch(/<testsuites name="bondlab r1" tests="3" failures="1"/);
  });

  it('puts expected against actual in the failure and the /proc text in system-out, escaped', () => {
    expect(xml).toContain(
      'message="step 1 (expect 1 claim(s)): active slave is slave0 (eth0): expected eth0, actual eth1"',
    );
    expect(xml).toContain('<system-out><![CDATA[step 0 ok: detach slave0 with ip (eth0)');
    expect(xml).toContain('Currently Active Slave: eth1 & <more>');
  });
});

/** xmllint (Debian's libxml2-utils) against fixtures/junit/junit.xsd, the schema Jenkins' xunit plugin checks. */
async function validateJunit(xml: string): Promise<{ valid: boolean; errors: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bondlab-junit-'));
  const file = join(dir, 'junit.xml');
  await writeFile(file, xml);
  const schema = join(packageRoot(), 'fixtures', 'junit', 'junit.xsd');
  const result = await execa('xmllint', ['--noout', '--schema', schema, file], { reject: false });
  await rm(dir, { recursive: true, force: true });
  if (result.failed && result.exitCode === undefined)
    throw new Error('xmllint is not installed (apt-get install libxml2-utils): the JUnit XML cannot be validated');
  return { valid: result.exitCode === 0, errors: result.stderr };
}

describe('JUnit XML against the schema CI tools use', () => {
  it('validates, passed and failed cases alike', async () => {
    const { valid, errors } = await validateJunit(junitXml(run));
    expect(errors).toMatch(/validates/);
    expect(valid).toBe(true);
  });

  it('validates with repeats: a flaky case noted in system-out and a suite property', async () => {
    const { valid, errors } = await validateJunit(junitXml(sampleRun(repeatedCases())));
    expect(errors).toMatch(/validates/);
    expect(valid).toBe(true);
  });

  it('is checked for real: the schema refuses a test case without a name and an attribute Jenkins does not know', async () => {
    expect(
      (
        await validateJunit(
          junitXml(run).replace(
            '<testcase classname="debian-guide" name="debian-guide"',
            '<testcase classname="debian-guide"',
          ),
        )
      ).valid,
    ).toBe(false);
    expect((await validateJunit(junitXml(run).replace('<testcase ', '<testcase file="x.yaml" '))).valid).toBe(false);
  });
});

describe('an interrupted run', () => {
  const cut: CaseResult = {
    ...caseResult('slow', 'interrupted', 'fixtures/slow.yaml'),
    error: 'interrupted by SIGINT after 1 of 3 steps',
  };
  const stopped: RunResult = {
    ...run,
    cases: [run.cases[0] ?? caseResult('debian-guide', 'passed', 'scenarios/debian-guide.yaml'), cut],
    summary: { total: 2, passed: 1, failed: 0, errors: 0, interrupted: 1 },
    interruption: { signal: 'SIGINT', notRun: 4 },
  };

  it('shows the cut case as skipped in JUnit, with why first in its output, and still validates', async () => {
    const xml = junitXml(stopped);
    expect(xml).toMatch(
      /<testcase classname="slow" name="slow"[^>]*>\s*<skipped message="interrupted by SIGINT after 1 of 3 steps"\/>\s*<system-out><!\[CDATA\[interrupted by SIGINT after 1 of 3 steps\n/,
    );
    expect(xml).toMatch(/<testsuite name="fixtures\/slow.yaml"[^>]* skipped="1"/);
    expect(xml).not.toMatch(/<testsuites[^>]*skipped=/);
    const { valid, errors } = await validateJunit(xml);
    expect(valid, errors).toBe(true);
  });

  it('counts it and says what stopped the run in the Markdown summary', () => {
    const md = markdownSummary(stopped);
    expect(md).toContain('## bondlab: 1/2 passed, 1 interrupted');
    expect(md).toContain('Stopped by SIGINT: 4 case(s) not run.');
    expect(md).toContain('| slow | **interrupted** |');
  });
});

describe('Markdown summary', () => {
  it('gives the verdicts and what failed', () => {
    const md = markdownSummary(run);
    expect(md).toContain('## bondlab: 2/3 passed, 1 failed');
    expect(md).toContain('| false-claim | **failed** | 2.5 s |');
    expect(md).toContain(
      '- **false-claim**: step 1 (expect 1 claim(s)): active slave is slave0 (eth0): expected eth0, actual eth1',
    );
  });
});

describe('writing reports', () => {
  it('writes each reporter to its file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondlab-report-test-'));
    try {
      const written = await writeReports(run, dir);
      expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
        'results.json',
        'junit.xml',
        'summary.md',
        'report.html',
      ]);
      expect(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'))).toMatchObject({ runId: 'r1' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an inconclusive case in the reports', () => {
  const undecided: CaseResult = {
    ...caseResult('downdelay-outage', 'inconclusive', 'scenarios/traffic/mode-claims.yaml'),
    steps: [
      {
        index: 7,
        kind: 'expect',
        description: 'expect 1 claim(s)',
        outcome: 'inconclusive',
        durationMs: 5,
        checks: [
          {
            name: 'outage <= 800 ms',
            passed: false,
            expected: '<= 800 ms',
            actual: '0.0 ms',
            disturbed: 'the sender did not run for 900 ms right after the fault & <more>',
          },
        ],
      },
    ],
  };
  const mixed: RunResult = {
    ...run,
    cases: [...run.cases, undecided],
    summary: { total: 4, passed: 2, failed: 1, errors: 0, inconclusive: 1 },
  };

  it('is a skipped JUnit test case carrying the reason, and the XML still validates', async () => {
    const xml = junitXml(mixed);
    expect(xml).toContain(
      '<skipped message="inconclusive: step 7 (expect 1 claim(s)): outage &lt;= 800 ms: the sender did not run for 900 ms right after the fault &amp; &lt;more&gt; (expected &lt;= 800 ms, actual 0.0 ms)"/>',
    );
    expect(xml).not.toMatch(/<testsuites[^>]*skipped=/);
    expect(/<testsuite name="scenarios\/traffic\/mode-claims.yaml"[^>]*>/.exec(xml)?.[0]).toContain(
      'failures="0" errors="0" skipped="1"',
    );
    const { valid, errors } = await validateJunit(xml);
    expect(errors).toMatch(/validates/);
    expect(valid).toBe(true);
  });

  it('is counted and explained in the Markdown summary, apart from the failures', () => {
    const md = markdownSummary(mixed);
    expect(md).toContain('## bondlab: 2/4 passed, 1 failed, 1 inconclusive');
    expect(md).toContain('| downdelay-outage | _inconclusive_ |');
    expect(md).toContain('### Inconclusive (the measurement was disturbed; neither passed nor failed)');
    expect(md).toContain(
      '- **downdelay-outage**: step 7 (expect 1 claim(s)): outage <= 800 ms: the sender did not run for 900 ms',
    );
    expect(md.split('### Inconclusive')[0]).not.toContain('- **downdelay-outage**');
  });
});
