import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentGoneError } from '../agent/client.js';
import { inspectLive } from '../cli/inspect.js';
import { run } from '../target/target.js';
import { VmTarget } from './vm-target.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

/** This process's qemu children (setpriv execs qemu): other runs on a shared machine start and stop their own. */
async function qemuProcesses(): Promise<number> {
  const result = await execa('pgrep', ['-c', '-P', String(process.pid), '-f', 'qemu-system-x86_64'], {
    reject: false,
  });
  return Number.parseInt(result.stdout.trim() || '0', 10);
}

describe(`VM target on ${kernel}`, () => {
  let vm: VmTarget;
  beforeAll(async () => {
    vm = await VmTarget.boot({ kernel });
  });
  afterAll(async () => {
    await vm?.close();
  });

  it('boots the requested kernel and runs commands in it', async () => {
    const uname = await run(vm, ['uname', '-r']);
    expect(uname.stdout.trim()).toBe(vm.kernel.release);
    expect(uname.stdout.trim()).not.toBe((await execa('uname', ['-r'])).stdout.trim());
  });

  it('reports exit codes and stderr of failing commands', async () => {
    const result = await vm.exec(['sh', '-c', 'echo nope >&2; exit 4']);
    expect(result).toMatchObject({ exitCode: 4, stderr: 'nope\n' });
  });

  it('times out a hung command', async () => {
    const result = await vm.exec(['sleep', '30'], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
  });

  it('gives the guest a writable root that the host never sees', async () => {
    const path = `/etc/bondlab-vm-test-${process.pid}`;
    await vm.writeFile(path, 'guest only');
    expect((await vm.readFile(path)).toString()).toBe('guest only');
    expect(existsSync(path)).toBe(false);
  });

  it('has a monotonic clock that advances', async () => {
    const a = await vm.clockNs();
    await vm.exec(['true']);
    expect(await vm.clockNs()).toBeGreaterThan(a);
  });

  it('builds a bond over two veth slaves and reads its /proc/net/bonding file', async () => {
    await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
    await run(vm, ['ip', 'link', 'add', 'tb0', 'type', 'bond', 'mode', 'active-backup', 'miimon', '100']);
    for (const n of [0, 1]) {
      await run(vm, ['ip', 'link', 'add', `tv${n}`, 'type', 'veth', 'peer', 'name', `tp${n}`]);
      await run(vm, ['ip', 'link', 'set', `tv${n}`, 'master', 'tb0']);
      await run(vm, ['ip', 'link', 'set', `tp${n}`, 'up']);
    }
    await run(vm, ['ip', 'link', 'set', 'tb0', 'up']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const proc = (await vm.readFile('/proc/net/bonding/tb0')).toString();
    expect(proc).toContain('Bonding Mode: fault-tolerance (active-backup)');
    expect(proc).toMatch(/Slave Interface: tv0\nMII Status: up/);
    expect(proc).toMatch(/Slave Interface: tv1\nMII Status: up/);
    const inspection = await inspectLive(vm, 'tb0');
    expect(inspection.status.activeSlave).toBe('tv0');
    expect(inspection.sysfs?.activeSlave).toBe('tv0');
    expect(inspection.netlink?.slaves.map((s) => s.name)).toEqual(['tv0', 'tv1']);
    expect(inspection.disagreements).toEqual([]);
    await run(vm, ['ip', 'link', 'del', 'tb0']);
  });
});

describe('VM lifecycle', () => {
  it('leaves no qemu, work directory or socket behind after close', async () => {
    const before = await qemuProcesses();
    const dirsBefore = (await readdir(tmpdir())).filter((name) => name.startsWith('bondlab-vm-'));
    const vm = await VmTarget.boot({ kernel });
    expect(await qemuProcesses()).toBe(before + 1);
    const workDir = (await run(vm, ['sh', '-c', 'echo ok'])).stdout;
    expect(workDir).toBe('ok\n');
    await vm.close();
    expect(await qemuProcesses()).toBe(before);
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('bondlab-vm-'))).toEqual(dirsBefore);
  });

  it('fails calls in flight, naming the console log, when the guest dies mid-call', async () => {
    const vm = await VmTarget.boot({ kernel });
    try {
      const call = vm.exec(['sleep', '60']);
      await vm.exec(['sh', '-c', 'echo o > /proc/sysrq-trigger']).catch(() => undefined);
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentGoneError);
      expect((error as Error).message).toMatch(/console log: .*\.log/);
    } finally {
      await vm.close();
    }
  });
});
