import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleCase, sampleRun, sampleWindow } from '../testing/sample-run.js';
import { writeReports } from '../report/write.js';
import { resultsToJson, type RunResult } from '../runner/results.js';
import { UsageError } from './errors.js';
import { readResults } from './results-file.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const examples = join(process.cwd(), 'reports', 'examples', 'kernels');
const dir = await mkdtemp(join(tmpdir(), 'bondlab-results-file-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A run with every kind of timeline event, a traffic window, a throughput measurement and a failover. */
const full: RunResult = sampleRun([
  sampleCase('failover[mode=active-backup]', {
    status: 'failed',
    kernel: '6.1.0-56-amd64',
    parameters: { mode: 'active-backup', miimon: 100 },
    steps: [
      { index: 0, kind: 'build', description: 'build the topology', outcome: 'ok', durationMs: 3500, checks: [] },
      {
        index: 1,
        kind: 'expect',
        description: 'expect 1 claim(s)',
        outcome: 'failed',
        durationMs: 20,
        checks: [{ name: 'active slave is slave1 (eth1)', passed: false, expected: 'eth1', actual: 'eth0' }],
      },
    ],
    timeline: [
      { kind: 'step', index: 0, step: 'build', startNs: 1_000n, endNs: 2_000n, outcome: 'ok' },
      {
        kind: 'fault',
        fault: 'carrier-off',
        slave: 'eth0',
        detail: 'far side p0 down',
        startNs: 30_000_000_000n,
        endNs: 30_100_000_000n,
      },
      {
        kind: 'sample',
        atNs: 30_200_000_000n,
        activeSlave: null,
        bondMii: 'down',
        slaves: [{ name: 'eth0', mii: 'down', linkFailures: 1 }],
      },
      {
        kind: 'kernel',
        atNs: 30_150_000_000n,
        event: 'link-down',
        bond: 'bond0',
        slave: 'eth0',
        text: 'bond0: (slave eth0): link status definitely down',
      },
    ],
    traffic: [sampleWindow([0.5, 0.5], [0, 0], { outageMs: 120, outageStartUs: 30_100_000 })],
    throughput: [
      {
        settings: { streams: 2, seconds: 3, vary: 'ports', direction: 'to-clients' },
        streamsBps: [4e7, 4e7],
        totalBps: 8e7,
        singleLinkBps: 5e7,
        factor: 1.6,
      },
    ],
    failovers: [
      {
        fault: 'far side p0 down',
        faultNs: 30_100_000_000n,
        stateChangeMs: 50,
        stateChangeBy: 'kernel: link down',
        deliveryRestoredMs: 120,
        outageMs: 120,
      },
    ],
    procAtFailure: 'Bonding Mode: fault-tolerance (active-backup)\n',
  }),
]);

async function write(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : resultsToJson(content));
  return file;
}

/** The full run as plain JSON, changed by `edit`. */
function edited(edit: (json: { cases: Record<string, unknown>[] } & Record<string, unknown>) => void): unknown {
  const json = JSON.parse(resultsToJson(full)) as { cases: Record<string, unknown>[] } & Record<string, unknown>;
  edit(json);
  return json;
}

async function refusal(name: string, content: unknown): Promise<string> {
  const file = await write(name, content);
  const error = await readResults(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as UsageError).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  return message.slice(file.length + 2);
}

describe('reading results.json against results.schema.json', () => {
  it('reads the real runs in reports/examples and revives their timestamps as bigints', async () => {
    const files = (await readdir(examples)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const { run } = await readResults(join(examples, file));
      expect(run.cases.length).toBeGreaterThan(0);
      const events = run.cases.flatMap((c) => c.timeline);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) expect(typeof ('atNs' in event ? event.atNs : event.startNs)).toBe('bigint');
      for (const window of run.cases.flatMap((c) => c.traffic))
        expect([typeof window.startNs, typeof window.endNs]).toEqual(['bigint', 'bigint']);
      for (const failover of run.cases.flatMap((c) => c.failovers)) expect(typeof failover.faultNs).toBe('bigint');
    }
  });

  it('reads back exactly what was written, bigints included', async () => {
    const { run } = await readResults(await write('full.json', full));
    expect(run).toEqual(full);
  });

  it('reads a run directory, every case status, and fields added later', async () => {
    const runDir = join(dir, 'run-dir');
    await mkdir(runDir);
    await write(
      'run-dir/results.json',
      edited((json) => {
        json.cases = ['passed', 'failed', 'inconclusive', 'error', 'interrupted'].map((status) => ({
          ...json.cases[0],
          status,
          passRate: 0.5,
        }));
        json.repeat = { count: 3 };
        // Results written before delivery was measured have no delivery series.
        delete ((json.cases[0]?.traffic as Record<string, unknown>[])[0] ?? {}).delivery;
      }),
    );
    const { run, file } = await readResults(runDir);
    expect(file).toBe(join(runDir, 'results.json'));
    expect(run.cases.map((c) => c.status)).toEqual(['passed', 'failed', 'inconclusive', 'error', 'interrupted']);
  });

  it('refuses what is not results with one clear error naming the file and the place', async () => {
    expect(await refusal('null.json', 'null')).toBe(
      'not a bondlab results file: the top level must be object (it is null)',
    );
    expect(await refusal('array.json', '[]')).toBe(
      'not a bondlab results file: the top level must be object (it is an array)',
    );
    expect(await refusal('empty.json', '{}')).toBe('not a bondlab results file: the top level has no "runId"');
    expect(
      await refusal(
        'no-steps.json',
        edited((json) => delete json.cases[0]?.steps),
      ),
    ).toBe('not a bondlab results file: cases[0] has no "steps"');
    expect(
      await refusal(
        'no-checks.json',
        edited((json) => delete (json.cases[0]?.steps as Record<string, unknown>[])[1]?.checks),
      ),
    ).toBe('not a bondlab results file: cases[0].steps[1] has no "checks"');
    expect(
      await refusal(
        'weird.json',
        edited((json) => Object.assign(json.cases[0] ?? {}, { status: 'weird' })),
      ),
    ).toBe(
      'not a bondlab results file: cases[0].status is string "weird", not one of passed, failed, inconclusive, error, interrupted',
    );
    expect(
      await refusal(
        'number-ns.json',
        edited((json) =>
          Object.assign((json.cases[0]?.timeline as Record<string, unknown>[])[1] ?? {}, { startNs: 30 }),
        ),
      ),
    ).toBe('not a bondlab results file: cases[0].timeline[1].startNs must be string (it is number 30)');
    expect(await refusal('bad-json.json', '{"runId": ')).toMatch(/^Unexpected end of JSON input|JSON/);
  });
});

describe('bondlab report and compare on bad results', () => {
  const run = (...args: string[]) => execa('node', [cli, ...args], { reject: false });

  it('exit 2 with the file name and touch no report', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'junit.xml'), 'old junit');
    await writeFile(join(out, 'summary.md'), 'old summary');
    const weird = await write(
      'cli-weird.json',
      edited((json) => Object.assign(json.cases[0] ?? {}, { status: 'weird' })),
    );
    const report = await run('report', weird, '-o', out);
    expect(report.exitCode).toBe(2);
    expect(report.stderr).toBe(
      `bondlab: ${weird}: not a bondlab results file: cases[0].status is string "weird", not one of passed, failed, inconclusive, error, interrupted`,
    );
    expect(await readdir(out)).toEqual(['junit.xml', 'summary.md']);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toBe('old summary');
    const nothing = await write('cli-null.json', 'null');
    const compare = await run('compare', await write('cli-good.json', full), nothing);
    expect(compare.exitCode).toBe(2);
    expect(compare.stderr).toBe(
      `bondlab: ${nothing}: not a bondlab results file: the top level must be object (it is null)`,
    );
    expect(compare.stderr).not.toMatch(/TypeError/);
  }, 60_000);

  it('report writes nothing unless it can write everything', async () => {
    const out = join(dir, 'out-blocked');
    await mkdir(join(out, 'report.html'), { recursive: true });
    await writeFile(join(out, 'junit.xml'), 'old junit');
    const report = await run('report', await write('cli-full.json', full), '-o', out);
    expect(report.exitCode).toBe(2);
    expect(report.stderr).toContain('report.html is a directory: no report was written');
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.html']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe('old junit');
    await rm(join(out, 'report.html'), { recursive: true });
    const again = await run('report', join(dir, 'cli-full.json'), '-o', out);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.html', 'summary.md']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toContain('failover[mode=active-backup]');
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('far side p0 down');
  }, 90_000);
});

describe('writeReports', () => {
  it('renders every report before it writes any: a reporter that fails leaves the directory as it was', async () => {
    const out = join(dir, 'render-fails');
    await mkdir(out);
    await writeFile(join(out, 'junit.xml'), 'old junit');
    // A traffic window without its fields: the HTML reporter cannot draw it (bondlab report refuses such a file earlier).
    const broken = { ...full, cases: [{ ...full.cases[0], traffic: [{}] }] } as unknown as RunResult;
    await expect(writeReports(broken, out, ['junit', 'markdown', 'html'])).rejects.toThrow();
    expect(await readdir(out)).toEqual(['junit.xml']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe('old junit');
  });

  it('replaces existing reports and leaves no temporary file', async () => {
    const out = join(dir, 'replace');
    await mkdir(out);
    await writeFile(join(out, 'summary.md'), 'old summary');
    const written = await writeReports(full, out);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.html', 'results.json', 'summary.md']);
    expect(written).toHaveLength(4);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toContain('bondlab');
  });
});
