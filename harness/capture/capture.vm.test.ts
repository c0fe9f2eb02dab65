import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../runner/results.js';
import { resultsPath } from '../testing/cli-output.js';
import { CAPTURE_LIMITS } from './capture.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const scenario = join(process.cwd(), 'fixtures', 'scenarios-capture', 'failover.yaml');

describe(`bondlab run --capture on ${kernel}`, async () => {
  const output = await mkdtemp(join(tmpdir(), 'bondlab-capture-test-'));
  afterAll(() => rm(output, { recursive: true, force: true }));

  it('keeps each failover as pcapng on every slave and far port, readable by tcpdump, with the gap in the table and linked from report.html', async () => {
    const run = await execa('node', [cli, 'run', scenario, '--kernel', kernel, '--capture', '-o', output], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const file = resultsPath(run.stderr);
    const dir = dirname(file);
    const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
    for (const c of result.cases) {
      expect(c.captures, c.name).toHaveLength(1);
      const [capture] = c.captures ?? [];
      if (!capture) continue;
      // Two slaves and the two far-side ports facing them.
      expect(capture.files.map((f) => `${f.side}:${f.iface}`).sort()).toEqual(
        ['bond:eth0', 'bond:eth1', 'far:p0', 'far:p1'].sort(),
      );
      for (const f of capture.files) {
        expect((await stat(join(dir, f.path))).size).toBe(f.bytes);
        expect(f.bytes).toBeLessThan(CAPTURE_LIMITS.maxPackets * (CAPTURE_LIMITS.snapLen + 32) + 1024);
        // tcpdump reads the file and finds as many packets as the table says.
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
      const report = await readFile(join(dir, 'report.html'), 'utf8');
      for (const f of capture.files) expect(report).toContain(`href="${f.path}"`);
    }
    // A boot and two cases with traffic: several minutes under TCG on a loaded machine.
  }, 600_000);
});
