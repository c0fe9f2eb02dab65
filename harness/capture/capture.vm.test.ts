import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tarballPath } from '../container/image.js';
import type { CaseResult, RunResult } from '../runner/results.js';
import { resultsPath } from '../testing/cli-output.js';
import { MAX_FILE_BYTES, type FaultCapture } from './capture.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const scenario = join(process.cwd(), 'fixtures', 'scenarios-capture', 'failover.yaml');

/** `bondlab run --capture` of the failover scenarios; the run's results, directory and reports. */
async function captureRun(args: string[]): Promise<{ result: RunResult; dir: string; html: string; markdown: string }> {
  const output = await mkdtemp(join(tmpdir(), 'bondlab-capture-test-'));
  onTestFinished(() => rm(output, { recursive: true, force: true }));
  const run = await execa('node', [cli, 'run', scenario, '--capture', '-o', output, ...args], {
    reject: false,
    env: { CI: 'true' },
  });
  expect(run.exitCode, run.stderr).toBe(0);
  const file = resultsPath(run.stderr);
  const dir = dirname(file);
  return {
    result: JSON.parse(await readFile(file, 'utf8')) as RunResult,
    dir,
    html: await readFile(join(dir, 'report.html'), 'utf8'),
    markdown: await readFile(join(dir, 'summary.md'), 'utf8'),
  };
}

/** The files of a case's one capture: on both slaves and the far ports facing them, read back by tcpdump. */
async function checkFiles(c: CaseResult, dir: string): Promise<FaultCapture> {
  expect(c.captures, c.name).toHaveLength(1);
  const capture = c.captures?.[0];
  if (!capture) throw new Error(`${c.name}: no capture`);
  expect(capture.files.map((f) => `${f.side}:${f.iface}`).sort()).toEqual(
    ['bond:eth0', 'bond:eth1', 'far:p0', 'far:p1'].sort(),
  );
  for (const f of capture.files) {
    expect((await stat(join(dir, f.path))).size).toBe(f.bytes);
    expect(f.bytes).toBeLessThanOrEqual(MAX_FILE_BYTES);
    const text = execFileSync('tcpdump', ['-r', join(dir, f.path), '-n'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text.trim() ? text.trim().split('\n').length : 0, f.path).toBe(f.packets);
  }
  expect(capture.clock).toBe('probe packets');
  // A gap on the wire after the fault: the last probe across the bonded hop before it, the first after.
  expect(capture.gap?.ms ?? 0, c.name).toBeGreaterThan(0);
  expect(capture.gap?.firstAfter.atMs ?? 0, c.name).toBeGreaterThan(0);
  expect(capture.gap?.lastBefore.atMs).toBeLessThan(capture.gap?.firstAfter.atMs ?? 0);
  expect(capture.gap?.firstAfter.atMs ?? 0).toBeLessThanOrEqual(capture.toMs);
  return capture;
}

/** The failover on the wire: the gap delivery's restore ended runs from the old active slave's far port to the new one's. */
function checkActiveBackupGap(capture: FaultCapture): void {
  expect(capture.restoredMs).toBeDefined();
  expect(capture.gap?.lastBefore.where).toBe('far:p0');
  expect(capture.gap?.firstAfter.where).toBe('far:p1');
  expect(capture.gap?.firstAfter.atMs ?? 0).toBeGreaterThanOrEqual((capture.restoredMs ?? 0) - 1);
}

/** Gratuitous ARPs from the new active slave (eth1) after the fault, seen by the far port facing it. */
function checkGratuitousArps(capture: FaultCapture): void {
  const after = capture.control.filter((f) => f.kind === 'gratuitous-arp' && f.atMs > 0);
  expect(after.map((f) => f.where)).toContain('bond:eth1');
  expect(after.map((f) => f.where)).toContain('far:p1');
  // The dead link carries none, and each announces the bond's own MAC.
  expect(after.filter((f) => f.where === 'bond:eth0')).toEqual([]);
  for (const f of after) expect(f.detail).toMatch(/is-at (\S+) from \1$/);
  for (const f of after) expect(f.atMs).toBeLessThanOrEqual(capture.toMs);
}

/** The failover's rows in report.html under the window's timeline, and in summary.md. */
function checkReports(c: CaseResult, capture: FaultCapture, html: string, markdown: string, control: string): void {
  const section = html.slice(html.indexOf(`<span>${c.name}</span>`));
  const timeline = section.indexOf(`Traffic window ${capture.window + 1} of ${c.traffic.length}`);
  const block = section.slice(section.indexOf('<div class="capture"', timeline));
  expect(timeline).toBeGreaterThan(0);
  for (const f of capture.files) expect(block).toContain(`href="${f.path}"`);
  const rows = block.slice(0, block.indexOf('</table>'));
  for (const text of ['fault issued', 'last probe before the gap', 'first probe after', `<td>${control}</td>`])
    expect(rows).toContain(text);
  const md = markdown.slice(markdown.indexOf(`**${c.name}**, traffic window ${capture.window + 1}`));
  for (const f of capture.files) expect(md).toContain(`(${f.path})`);
  expect(md).toMatch(new RegExp(`\\| [+-][\\d.]+ ms \\| \\S+ \\| ${control} \\|`));
  expect(md).toContain('| last probe before the gap |');
}

describe(`bondlab run --capture on ${kernel}`, async () => {
  it('keeps each failover as pcapng on every slave and far port, with the gap, the gratuitous ARPs (active-backup) and LACPDUs (802.3ad) in the tables of report.html and summary.md', async () => {
    const { result, dir, html, markdown } = await captureRun(['--kernel', kernel]);
    const byName = new Map(result.cases.map((c) => [c.name, c]));
    const ab = byName.get('capture-active-backup');
    const lacp = byName.get('capture-802.3ad');
    if (!ab || !lacp) throw new Error(`cases: ${[...byName.keys()].join(', ')}`);
    const abCapture = await checkFiles(ab, dir);
    checkActiveBackupGap(abCapture);
    checkGratuitousArps(abCapture);
    checkReports(ab, abCapture, html, markdown, 'gratuitous-arp');
    const lacpCapture = await checkFiles(lacp, dir);
    // lacp_rate fast: each end sends an LACPDU a second on each link; the stretch kept is over 1 s.
    expect(lacpCapture.controlCounts.lacpdu ?? 0).toBeGreaterThan(0);
    // The actor state as the kernel sent it: a working aggregation's ports are in sync and distributing.
    expect(lacpCapture.control.some((f) => /state \S*sync,collecting,distributing/.test(f.detail))).toBe(true);
    expect(lacpCapture.control.filter((f) => f.kind === 'lacpdu').every((f) => /^(bond|far):/.test(f.where))).toBe(
      true,
    );
    checkReports(lacp, lacpCapture, html, markdown, 'lacpdu');
    // A boot and two cases with traffic: several minutes under TCG on a loaded machine.
  }, 900_000);
});

describe('bondlab run --capture --target container --engine vm', () => {
  it("captures in the container target's namespaces with the image's tcpdump: the gratuitous ARPs of an active-backup failover", async () => {
    // On a fresh machine this file may run before the container tests that build the image.
    if (!existsSync(tarballPath())) {
      const build = await execa('node', [cli, 'image', 'build'], { reject: false, env: { CI: 'true' } });
      expect(build.exitCode, build.stderr).toBe(0);
    }
    const { result, dir, html, markdown } = await captureRun([
      '--target',
      'container',
      '--engine',
      'vm',
      '--filter',
      'capture-active-backup',
    ]);
    expect(result.cases.map((c) => c.name)).toEqual(['capture-active-backup']);
    const [c] = result.cases;
    if (!c) throw new Error('no case');
    const capture = await checkFiles(c, dir);
    checkGratuitousArps(capture);
    checkReports(c, capture, html, markdown, 'gratuitous-arp');
  }, 1_200_000);
});
