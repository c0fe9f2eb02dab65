import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { resultsPath } from '../testing/cli-output.js';
import { readResults } from '../cli/results-file.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

async function qemuCount(): Promise<number> {
  const result = await execa('pgrep', ['-c', '-f', 'qemu-system-x86_64'], { reject: false });
  return Number.parseInt(result.stdout.trim() || '0', 10);
}

describe(`bondlab run on ${kernel} in the VM`, () => {
  it('passes the shipped scenarios: the Debian guide, failover on carrier loss, ARP target loss, all seven modes, traffic and throughput claims', async () => {
    // scenarios/suite is the mode matrix, tested on its own (harness/report/matrix.vm.test.ts).
    const shipped = [
      'scenarios/debian-guide.yaml',
      'scenarios/active-backup-carrier-loss.yaml',
      'scenarios/arp-target-lost.yaml',
      'scenarios/all-modes.yaml',
      'scenarios/traffic',
    ];
    const run = await execa('node', [cli, 'run', ...shipped, '--kernel', kernel, '--retry-inconclusive', '1'], {
      reject: false,
      env: { CI: 'true' },
    });
    expect([0, 3], run.stderr).toContain(run.exitCode);
    const result = (await readResults(resultsPath(run.stderr))).run;
    // True claims pass; on a busy runner a disturbed measurement may leave one undecided, never failed.
    expect(result.summary, run.stderr).toMatchObject({ total: 21, failed: 0, errors: 0 });
    expect(result.summary.inconclusive ?? 0, run.stderr).toBeLessThanOrEqual(2);
    expect(result.summary.passed + (result.summary.inconclusive ?? 0)).toBe(21);
    const modes = result.cases.filter((c) => c.scenario === 'all-modes').map((c) => c.parameters.mode);
    expect(modes).toEqual([
      'balance-rr',
      'active-backup',
      'balance-xor',
      'broadcast',
      '802.3ad',
      'balance-tlb',
      'balance-alb',
    ]);
    const failover = result.cases.find((c) => c.name === 'active-backup-carrier-loss');
    const events = failover?.timeline.map((e) => (e.kind === 'kernel' ? `kernel:${e.event}` : e.kind)) ?? [];
    expect(events).toContain('fault');
    expect(events.indexOf('kernel:new-active-slave', events.indexOf('fault'))).toBeGreaterThan(events.indexOf('fault'));
    const byName = (name: string) => result.cases.find((c) => c.name === name);
    const rr = byName('balance-rr-traffic')?.traffic[0];
    expect(rr?.perSlave.every((s) => s.txShare > 0.3)).toBe(true);
    expect(byName('broadcast-traffic')?.traffic[0]?.totals.duplicates).toBeGreaterThan(0);
    const failoverOutage = byName('active-backup-traffic-failover')?.traffic[1]?.totals.outageMs ?? Number.NaN;
    expect(failoverOutage).toBeGreaterThan(0);
    expect(failoverOutage).toBeLessThan(300);
    // A throughput measurement the loaded machine could not carry is inconclusive (with its reason), never failed.
    const rrThroughput = byName('balance-rr-throughput');
    if (rrThroughput?.status === 'passed') expect(rrThroughput.throughput[0]?.factor).toBeGreaterThan(1.5);
    else expect(rrThroughput?.steps.flatMap((s) => s.checks).find((c) => c.disturbed)?.disturbed).toMatch(/Mbit\/s/);
    expect(rrThroughput?.throughput[0]?.capacityBps).toBeGreaterThan(0);
    expect(byName('balance-rr-reordering')?.traffic[0]?.totals.reordered).toBeGreaterThan(0);
    const [timing] = byName('active-backup-traffic-failover')?.failovers ?? [];
    // Both are counted from when the fault's command was issued; the link changed somewhere before it returned.
    const commandMs = timing?.commandMs ?? Number.NaN;
    expect(timing?.stateChangeBy).toMatch(/^kernel: /);
    expect(timing?.stateChangeMs).toBeGreaterThanOrEqual(0);
    expect(timing?.stateChangeMs).toBeLessThan(commandMs + 300);
    expect(timing?.deliveryRestoredMs).toBeGreaterThanOrEqual(0);
    expect(timing?.deliveryRestoredMs).toBeLessThan(commandMs + 300);
    const guide = result.cases.find((c) => c.name === 'debian-guide');
    expect(guide?.steps.find((s) => s.kind === 'fault')?.description).toMatch(/ifenslave -d bond0 eth0/);
  });

  it('inflicts every fault and sees the kernel react: link down, sysfs detach, ip attach, flaps, ARP drop, LACP failover', async () => {
    const run = await execa('node', [cli, 'run', 'fixtures/scenarios-faults', '--kernel', kernel], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = (await readResults(resultsPath(run.stderr))).run;
    expect(result.summary).toMatchObject({ total: 5, passed: 5 });
  });

  it('fails a false claim with exit code 1, showing expected against actual', async () => {
    const run = await execa('node', [cli, 'run', 'fixtures/scenarios-false/false-claim.yaml', '--kernel', kernel], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/active slave is slave0 \(eth0\)\n\s+expected: eth0\n\s+actual:\s+eth1/);
    // Read as report and compare read it: checked against results.schema.json, timestamps revived.
    const { run: result } = await readResults(resultsPath(run.stderr));
    expect(result.cases[0]?.timeline.some((e) => e.kind === 'fault' && typeof e.startNs === 'bigint')).toBe(true);
    expect(result.cases[0]?.procAtFailure).toContain('Currently Active Slave: eth1');
  });

  it('rejects a malformed scenario with exit code 2 before any VM starts', async () => {
    const before = await qemuCount();
    const began = Date.now();
    const run = await execa('node', [cli, 'run', 'fixtures/scenarios-invalid/unknown-key.yaml'], { reject: false });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('fixtures/scenarios-invalid/unknown-key.yaml:5:3: bond.mimon: unknown key "mimon"');
    expect(Date.now() - began).toBeLessThan(3000);
    expect(await qemuCount()).toBe(before);
  });
});
