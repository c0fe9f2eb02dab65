/**
 * What a run leaves when it is stopped: by SIGKILL at several moments (then `bondlab cleanup`), by
 * Ctrl-C (results kept), and that `cleanup` and a second run beside a live run leave it unharmed.
 * Other runs share this machine: every check looks only at what the run under test made, found by
 * its pid.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import { storePath } from '../container/image.js';
import { netnsName, ownerPid } from '../topology/names.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const sequence = 'fixtures/scenarios-lifecycle/sequence.yaml';

interface Leftovers {
  processes: string[];
  files: string[];
  namespaces: string[];
}

function commandLines(): { pid: string; cmd: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        return [{ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') }];
      } catch {
        return [];
      }
    });
}

/** Every process, temporary file, half-made image store and namespace that the run of this pid made. */
async function leftovers(pid: number): Promise<Leftovers> {
  const owned = new RegExp(`bondlab-[a-z0-9]+-${pid}-`);
  const partialStore = `${storePath()}.${pid}.partial`;
  const listed = await execa('ip', ['netns', 'list']);
  return {
    processes: commandLines()
      .filter(({ cmd }) => owned.test(cmd))
      .map(({ pid: p, cmd }) => `${p} ${cmd.slice(0, 120)}`),
    files: [
      ...readdirSync(tmpdir())
        .filter((name) => owned.test(name))
        .map((name) => join(tmpdir(), name)),
      ...(existsSync(partialStore) ? [partialStore] : []),
    ],
    namespaces: listed.stdout
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => ownerPid(name) === pid),
  };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A bondlab run in the background, with its stderr so far. */
function startRun(args: string[]): { child: ResultPromise; pid: number; stderr: () => string } {
  const child = execa('node', [cli, 'run', ...args], { reject: false, env: { CI: 'true' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (!child.pid) throw new Error('the run did not start');
  return { child, pid: child.pid, stderr: () => stderr };
}

/** A qemu of this run is up (booting): its command line names the run's work directory. */
function qemuOf(pid: number, kind: string): boolean {
  return commandLines().some(({ cmd }) => cmd.includes('qemu-system') && cmd.includes(`bondlab-${kind}-${pid}-`));
}

/**
 * SIGKILL the run once `moment` holds; then its qemu must be gone by itself, its files still there
 * for `cleanup` to find, and after `cleanup` nothing of it may remain.
 */
async function killAndClean(
  args: string[],
  moment: (run: { pid: number; stderr: () => string }) => boolean,
  timeoutMs: number,
): Promise<Leftovers> {
  const run = startRun(args);
  await until('the moment to kill', () => moment(run) || run.child.exitCode !== null, timeoutMs);
  expect(run.child.exitCode, `the run ended before it was killed:\n${run.stderr()}`).toBeNull();
  process.kill(run.pid, 'SIGKILL');
  await run.child;
  // qemu gets the parent-death signal; give the kernel a moment to deliver it.
  await until('qemu to die with its run', async () => (await leftovers(run.pid)).processes.length === 0, 10_000);
  const left = await leftovers(run.pid);
  expect(left.files.length, 'the killed run left files for cleanup to find').toBeGreaterThan(0);
  const cleanup = await execa('node', [cli, 'cleanup', '--json'], { reject: false });
  expect(cleanup.exitCode, cleanup.stderr).toBe(0);
  const removed = JSON.parse(cleanup.stdout) as { files: string[] };
  expect(removed.files).toEqual(expect.arrayContaining(left.files));
  expect(await leftovers(run.pid)).toEqual({ processes: [], files: [], namespaces: [] });
  return left;
}

describe(`run lifecycle on ${kernel}`, () => {
  it('SIGKILL while the VM boots: qemu dies with the run, cleanup removes its work directory', async () => {
    const left = await killAndClean([sequence, '--kernel', kernel], ({ pid }) => qemuOf(pid, 'vm'), 120_000);
    expect(left.files.some((file) => /bondlab-vm-\d+-/.test(file))).toBe(true);
  });

  it('SIGKILL during a case: qemu dies with the run, cleanup removes its work directory', async () => {
    const left = await killAndClean(
      [sequence, '--kernel', kernel],
      ({ stderr }) => stderr().includes('[2/3] lifecycle-long: start'),
      240_000,
    );
    expect(left.files.some((file) => /bondlab-vm-\d+-/.test(file))).toBe(true);
  });

  it('SIGKILL of an --engine vm run during a case and while its engine boots: qemu (and dockerd in it) dies, cleanup removes the work directory and the disk overlay', async () => {
    const args = [sequence, '--target', 'container', '--engine', 'vm', '--kernel', kernel];
    let caseStarted = 0;
    const during = await killAndClean(
      args,
      ({ stderr }) => {
        if (!caseStarted && stderr().includes('[2/3] lifecycle-long: start')) caseStarted = Date.now();
        // Into the case: the container's bond is built.
        return caseStarted > 0 && Date.now() - caseStarted > 5000;
      },
      600_000,
    );
    expect(during.files.some((file) => /bondlab-store-\d+-/.test(file))).toBe(true);
    expect(during.files.some((file) => /bondlab-vm-\d+-/.test(file))).toBe(true);
    const booting = await killAndClean(args, ({ pid }) => qemuOf(pid, 'store'), 300_000);
    expect(booting.files.some((file) => /bondlab-store-\d+-/.test(file))).toBe(true);
  });

  it('Ctrl-C mid-case: the finished case is kept, the cut one is interrupted, one calm line, exit 130, nothing left', async () => {
    const run = startRun([sequence, '--kernel', kernel]);
    let caseStarted = 0;
    await until(
      'the second case to be under way',
      () => {
        if (!caseStarted && run.stderr().includes('[2/3] lifecycle-long: start')) caseStarted = Date.now();
        // Into its 60 s wait: built and checked by then even on a loaded machine.
        return (caseStarted > 0 && Date.now() - caseStarted > 15_000) || run.child.exitCode !== null;
      },
      240_000,
    );
    process.kill(run.pid, 'SIGINT');
    const result = await run.child;
    expect(result.exitCode, run.stderr()).toBe(130);
    const afterSignal = run.stderr().slice(run.stderr().indexOf('[2/3] lifecycle-long: start'));
    const lines = afterSignal.trim().split('\n').slice(1);
    expect(lines, afterSignal).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^bondlab: stopped by SIGINT during lifecycle-long; 1 case\(s\) finished, 1 not run; results: \S+results\.json$/,
    );
    const file = /results: (\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    const written = (await readResults(file)).run;
    expect(written.cases.map((c) => [c.name, c.status])).toEqual([
      ['lifecycle-first', 'passed'],
      ['lifecycle-long', 'interrupted'],
    ]);
    expect(written.summary).toMatchObject({ total: 2, passed: 1, interrupted: 1, errors: 0 });
    expect(written.interruption).toEqual({ signal: 'SIGINT', notRun: 1 });
    const cut = written.cases[1];
    expect(cut?.error).toBe('interrupted by SIGINT after 2 of 5 steps');
    expect(
      cut?.steps.map((s) => s.outcome),
      'what was measured before the signal is kept',
    ).toEqual(['ok', 'ok', 'error']);
    expect(cut?.steps[2]?.error).toBe('interrupted by SIGINT');
    expect(cut?.timeline.some((e) => e.kind === 'sample')).toBe(true);
    expect(readFileSync(join(file, '..', 'junit.xml'), 'utf8')).toMatch(
      /<testcase [^>]*name="lifecycle-long"[^>]*>\s*<skipped message="interrupted by SIGINT/,
    );
    expect(await leftovers(run.pid)).toEqual({ processes: [], files: [], namespaces: [] });
  });

  it("cleanup and a host run's cleaning pass keep a live run's namespaces (run ids as the CLI makes them) and remove a dead run's", async () => {
    // Real namespaces on this machine, named for a live process and for one that has exited.
    const owner = execa('sleep', ['600'], { reject: false });
    const exited = execa('true');
    const deadPid = exited.pid ?? 0;
    await exited;
    const runOf = (pid: number) => `20261129120000-${pid.toString(36)}beef`;
    const live = [netnsName(runOf(owner.pid ?? 0), 0, 'dut'), netnsName(runOf(owner.pid ?? 0), 0, 'far')];
    const dead = [netnsName(runOf(deadPid), 1, 'dut')];
    const present = async () =>
      (await execa('ip', ['netns', 'list'])).stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
    try {
      for (const name of [...live, ...dead]) await execa('ip', ['netns', 'add', name]);
      const cleanup = await execa('node', [cli, 'cleanup', '--json'], { reject: false });
      expect(cleanup.exitCode, cleanup.stderr).toBe(0);
      const removed = (JSON.parse(cleanup.stdout) as { namespaces: string[] }).namespaces;
      expect(removed).toEqual(expect.arrayContaining(dead));
      expect(removed.filter((name) => live.includes(name))).toEqual([]);
      expect(await present()).toEqual(expect.arrayContaining(live));
      // `run --target host` makes the same pass before it starts (this machine may lack bonding: its verdict does not matter here).
      await execa('ip', ['netns', 'add', dead[0] ?? '']);
      await execa(
        'node',
        [
          cli,
          'run',
          '--target',
          'host',
          sequence,
          '--filter',
          'lifecycle-first',
          '-o',
          join(tmpdir(), `bondlab-lifecycle-test-${process.pid}`),
        ],
        { reject: false, env: { CI: 'true' } },
      );
      const after = await present();
      expect(after).toEqual(expect.arrayContaining(live));
      expect(after).not.toContain(dead[0]);
    } finally {
      owner.kill('SIGKILL');
      await owner;
      await execa('sh', [
        '-c',
        [...live, ...dead].map((name) => `ip netns del ${name} 2>/dev/null`).join('; ') + '; true',
      ]);
      await rm(join(tmpdir(), `bondlab-lifecycle-test-${process.pid}`), { recursive: true, force: true });
    }
  });

  it('cleanup beside a live run leaves it unharmed (inside a VM, where the host target has bonding)', async () => {
    const bondlab = `${process.execPath} ${cli}`;
    const script = `
${bondlab} run --target host fixtures/scenarios-lifecycle/held.yaml -o /tmp/lifecycle >/tmp/lifecycle.log 2>&1 &
first=$!
i=0
until ip netns exec "$(ip netns list | grep -o '^bondlab-[^ ]*-dut')" cat /proc/net/bonding/bond0 2>/dev/null | grep -q 'Currently Active Slave: eth0'; do
  sleep 0.2; i=$((i+1)); [ $i -lt 3000 ] || { echo "no bond"; cat /tmp/lifecycle.log; exit 3; }
done
ip netns list | cut -d' ' -f1 | sort > /tmp/ns-before
${bondlab} cleanup --json > /tmp/cleanup.json
ip netns list | cut -d' ' -f1 | sort > /tmp/ns-after-cleanup
# The run's first check (active slave within 2 s) is long done after cleanup's node start; now pull the cable.
sleep 3
ip -n "$(grep -- '-far$' /tmp/ns-before)" link set p0 down
wait $first
echo "first=$?"
echo "before=$(tr '\n' ' ' < /tmp/ns-before)"
echo "after-cleanup=$(tr '\n' ' ' < /tmp/ns-after-cleanup)"
echo "cleanup=$(tr -d '\n ' < /tmp/cleanup.json)"
cat /tmp/lifecycle.log
`;
    const result = await execa('node', [cli, 'vm', 'run', '--kernel', kernel, '--', 'sh', '-c', script], {
      reject: false,
    });
    const out = result.stdout;
    expect(result.exitCode, `${out}\n${result.stderr}`).toBe(0);
    const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
    expect(field('first'), out).toBe('0');
    const before = field('before').split(' ');
    expect(before, out).toHaveLength(3);
    expect(
      before.every((name) => /^bondlab-\d{14}-[0-9a-z]+-0-(dut|far|c0)$/.test(name)),
      out,
    ).toBe(true);
    expect(field('after-cleanup').split(' ')).toEqual(before);
    expect(JSON.parse(field('cleanup'))).toMatchObject({ namespaces: [] });
  }, 900_000);
});
