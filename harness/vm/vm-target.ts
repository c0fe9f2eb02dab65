/**
 * The VM target: a QEMU guest booting a kernel of the user's choice over the host's own root
 * filesystem (read-only, under a tmpfs overlay), with the bondlab agent served on a
 * virtio-serial port. One VM serves a whole run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { AgentClient } from '../agent/client.js';
import { agentCjsScript } from '../agent/location.js';
import { AgentTarget } from '../agent/agent-target.js';
import { ownedTempDir } from '../target/processes.js';
import { interruption, onTeardown } from '../target/teardown.js';
import { QBOOT, QEMU, probeAccelerator, type AccelProbe } from './accel.js';
import { bootImage } from './boot-image.js';
import { SHARE_TAGS, buildInitramfs } from './initramfs.js';
import {
  emulatedLayout,
  emulatedNicArgs,
  emulatedNicModules,
  type EmulatedCable,
  type EmulatedLabLayout,
} from './emulated-nics.js';
import { QmpClient } from './qmp.js';
import { DEFAULT_KERNEL, resolveKernel, type FetchOptions, type Kernel } from './kernels.js';
import { logDir } from './paths.js';

export interface VmOptions {
  kernel?: string;
  memoryMb?: number;
  cpus?: number;
  /** How long the guest may take from qemu start to agent ready. */
  bootTimeoutMs?: number;
  /** Where the guest's console goes; kept after the VM is gone. */
  consoleLog?: string;
  fetch?: FetchOptions;
  /**
   * Guest TCP ports to reach from the host (127.0.0.1 only), through a user-mode NIC that is
   * restricted: the guest cannot send anything anywhere else.
   */
  forwardTcp?: number[];
  /** Disk images attached as virtio block devices, /dev/vda first. */
  disks?: { path: string; format: 'raw' | 'qcow2' }[];
  /** Emulated NIC pairs cabled back-to-back (the NIC lab), plus a management NIC no lab lists. */
  emulatedNics?: EmulatedCable[];
  /** Appended to the kernel command line (bench/target.ts times boots with and without them). */
  extraKernelArgs?: string[];
}

/** The emulated NICs of a VM and the QMP monitor that pulls their cables. */
export interface EmulatedNics {
  layout: EmulatedLabLayout;
  qmp: QmpClient;
  /** A second QMP monitor, free for a program outside bondlab (a lab's switch hooks in tests) to pull cables through. */
  spareQmpPath: string;
}

export interface BootTimings {
  /** qemu spawned -> agent said hello, in ms. */
  agentReadyMs: number;
  /** kernel resolution and initramfs, in ms (zero when cached). */
  prepareMs: number;
}

/**
 * no_timer_check: the IO-APIC timer check counts ticks in a busy loop, and on a loaded machine
 * under TCG it panics the boot ("IO-APIC + timer doesn't work!"); QEMU's timer always works.
 * cryptomgr.notests: the crypto self-tests are seconds of emulated CPU, and bonding uses no crypto.
 */
export const KERNEL_ARGS = 'console=ttyS0 quiet panic=-1 no_timer_check cryptomgr.notests rdinit=/init';

/** The guest's second stage, run by /bin/sh from the host's root after switch_root. */
function stage2Script(agentJs: string): string {
  return `# bondlab stage 2: run the agent; it powers the guest off when it exits.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
read up _ < /proc/uptime
echo "bondlab-stage2: starting agent at $up"
${process.execPath} ${agentJs} --poweroff
echo "bondlab-stage2: agent exited with $?"
echo o > /proc/sysrq-trigger
`;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console output)';
  }
}

async function connectWithRetry(path: string, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A TCP port free on the host's loopback now (qemu binds it a moment later). */
async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function pruneLogs(dir: string, keep = 50): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  const logs = await Promise.all(
    entries
      .filter((name) => name.startsWith('vm-'))
      .map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })),
  );
  for (const old of logs.sort((a, b) => b.mtime - a.mtime).slice(keep)) await rm(join(dir, old.name), { force: true });
}

/** The user-mode NIC of forwardTcp, by a MAC of its own: a guest with lab NICs tells it from them. */
export const FORWARD_NIC_MAC = '52:54:00:b1:fe:00';

const spareQmpPath = (qmpPath: string) => qmpPath.replace(/qmp\.sock$/, 'qmp-spare.sock');

/** No udev in the guest: load the NICs' drivers, wait for every NIC to show up, then open QMP. */
async function startEmulatedNics(
  agent: AgentClient,
  layout: EmulatedLabLayout,
  qmpPath: string,
): Promise<EmulatedNics> {
  const macs = [layout.management, ...layout.cables.flatMap((c) => [c.dut, c.peer])].map((nic) => nic.mac);
  // e1000e under MSI-X misses QEMU's link-change interrupt (a pulled cable is never seen, QEMU 7.2 and
  // Linux 6.1): plain MSI delivers it. The module option is the driver's own (IntMode=1).
  const loads = emulatedNicModules(layout).map(
    (module) => `modprobe ${module}${module === 'e1000e' ? ' IntMode=1' : ''} || exit 1`,
  );
  const script = `${loads.join('\n')}
end=$(($(cut -d. -f1 /proc/uptime) + 60))
while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do
  found=$(cat /sys/class/net/*/address)
  missing=""
  for mac in ${macs.join(' ')}; do echo "$found" | grep -qx $mac || missing="$missing $mac"; done
  [ -z "$missing" ] && exit 0
  sleep 0.1
done
echo "emulated NICs missing in the guest:$missing" >&2; exit 1`;
  const result = await agent.exec(['sh', '-c', script], { timeoutMs: 120_000 });
  if (result.exitCode !== 0)
    throw new Error(
      `the emulated NICs did not come up${result.timedOut ? ' within 120 s' : ''}: ${result.stderr.trim()}`,
    );
  return { layout, qmp: await QmpClient.connect(qmpPath), spareQmpPath: spareQmpPath(qmpPath) };
}

export class VmTarget extends AgentTarget {
  readonly kind = 'vm';
  readonly description: string;

  private constructor(
    agent: AgentClient,
    private readonly qemu: ResultPromise,
    private readonly workDir: string,
    readonly kernel: Kernel,
    readonly accel: AccelProbe,
    readonly consoleLog: string,
    readonly timings: BootTimings,
    /** Guest TCP port -> the host port that reaches it. */
    readonly forwardedPorts: ReadonlyMap<number, number>,
    private readonly unregister: () => Promise<void>,
    readonly emulatedNics?: EmulatedNics,
  ) {
    super(agent);
    this.description = `vm (${kernel.release}, ${accel.accel})`;
  }

  /** Boot a VM and wait for its agent. Throws with the console log's tail when the guest fails. */
  static async boot(options: VmOptions = {}): Promise<VmTarget> {
    const agentJs = agentCjsScript();
    const qemuFound = await execa(QEMU, ['--version'], { reject: false });
    if (qemuFound.exitCode !== 0) throw new Error(`${QEMU} is not installed: apt-get install qemu-system-x86`);
    const prepareStart = performance.now();
    const kernel = await resolveKernel(options.kernel ?? DEFAULT_KERNEL, options.fetch);
    const initramfs = await buildInitramfs(kernel);
    const image = await bootImage(kernel);
    const accel = await probeAccelerator(image.path, initramfs);
    const prepareMs = performance.now() - prepareStart;

    const workDir = await ownedTempDir('vm');
    const logs = logDir();
    await mkdir(logs, { recursive: true });
    await pruneLogs(logs);
    const consoleLog =
      options.consoleLog ?? join(logs, `vm-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
    await writeFile(join(workDir, 'stage2.sh'), stage2Script(agentJs));
    const socketPath = join(workDir, 'agent.sock');
    const layout = options.emulatedNics?.length ? emulatedLayout(options.emulatedNics) : undefined;
    const qmpPath = join(workDir, 'qmp.sock');
    const args = [
      // Threads named by role ("CPU 0/TCG", "worker"): a guest's CPU can be told from qemu's I/O in /proc.
      '-name',
      'bondlab,debug-threads=on',
      '-machine',
      `q35,accel=${accel.accel}`,
      '-cpu',
      // Without ERMS/FSRM the guest's kernel and libc clear and copy memory with rep stosq/movsq or
      // plain loops: TCG runs a rep-prefixed instruction one iteration at a time, 8x more for bytes.
      accel.accel === 'kvm' ? 'host' : 'max,-erms,-fsrm',
      '-m',
      String(options.memoryMb ?? 1024),
      '-smp',
      String(options.cpus ?? 2),
      '-nodefaults',
      '-display',
      'none',
      '-no-reboot',
      // qboot never reaches the kernel with the lab's hub NICs (seen with QEMU 7.2): SeaBIOS then.
      ...(existsSync(QBOOT) && !layout ? ['-bios', QBOOT] : []),
      '-kernel',
      image.path,
      '-initrd',
      initramfs,
      '-append',
      [KERNEL_ARGS, ...(options.extraKernelArgs ?? [])].join(' '),
      '-chardev',
      `file,id=console,path=${consoleLog}`,
      '-serial',
      'chardev:console',
      '-fsdev',
      `local,id=${SHARE_TAGS.root},path=/,security_model=none,readonly=on,multidevs=remap`,
      '-device',
      `virtio-9p-pci,fsdev=${SHARE_TAGS.root},mount_tag=${SHARE_TAGS.root}`,
      '-fsdev',
      `local,id=${SHARE_TAGS.modules},path=${kernel.modulesDir},security_model=none,readonly=on`,
      '-device',
      `virtio-9p-pci,fsdev=${SHARE_TAGS.modules},mount_tag=${SHARE_TAGS.modules}`,
      '-fsdev',
      `local,id=${SHARE_TAGS.work},path=${workDir},security_model=none`,
      '-device',
      `virtio-9p-pci,fsdev=${SHARE_TAGS.work},mount_tag=${SHARE_TAGS.work}`,
      '-device',
      'virtio-serial-pci',
      '-chardev',
      `socket,id=agent,path=${socketPath},server=on,wait=off`,
      '-device',
      'virtserialport,chardev=agent,name=bondlab.agent',
      // What `bondlab cleanup` kills should qemu ever outlive its run.
      '-pidfile',
      join(workDir, 'qemu.pid'),
    ];
    if (layout)
      args.push(
        ...emulatedNicArgs(layout),
        ...[qmpPath, spareQmpPath(qmpPath)].flatMap((path) => ['-qmp', `unix:${path},server=on,wait=off`]),
      );
    for (const disk of options.disks ?? [])
      args.push('-drive', `file=${disk.path},format=${disk.format},if=virtio,cache=unsafe`);
    const forwarded = new Map<number, number>();
    for (const guestPort of options.forwardTcp ?? []) forwarded.set(guestPort, await freePort());
    if (forwarded.size) {
      const rules = [...forwarded].map(([guest, host]) => `hostfwd=tcp:127.0.0.1:${host}-:${guest}`).join(',');
      args.push(
        '-netdev',
        `user,id=fwd,restrict=on,${rules}`,
        '-device',
        `virtio-net-pci,netdev=fwd,mac=${FORWARD_NIC_MAC}`,
      );
    }
    const bootStart = performance.now();
    // qemu dies with bondlab, even by SIGKILL (the parent-death signal), and in a process group of
    // its own, so that a Ctrl-C reaches bondlab alone, which then tears the run down in order.
    const qemu = execa('setpriv', ['--pdeathsig', 'KILL', '--', QEMU, ...args], {
      reject: false,
      stdin: 'ignore',
      all: true,
      cleanup: true,
      detached: true,
    });
    const removeWorkDir = () => rm(workDir, { recursive: true, force: true });
    const unregister = onTeardown(`VM ${kernel.release}`, async () => {
      qemu.kill('SIGKILL');
      await qemu.catch(() => undefined);
      await removeWorkDir();
    });
    const failure = (what: string) => `${what}\nconsole log: ${consoleLog}\n--- last lines ---\n${tail(consoleLog)}`;
    let exited = false;
    const exitedPromise = qemu.then((result) => {
      exited = true;
      return result;
    });
    exitedPromise.catch(() => undefined);

    try {
      const timeoutMs = options.bootTimeoutMs ?? 120_000;
      const deadline = Date.now() + timeoutMs;
      // Ctrl-C during boot: stop waiting, the catch below kills qemu.
      const interrupted = interruption();
      const socket = await Promise.race([
        interrupted,
        connectWithRetry(socketPath, deadline),
        exitedPromise.then((result) => {
          throw new Error(
            failure(
              `qemu exited before its agent socket appeared (exit ${result.exitCode}): ${String(result.all ?? '').trim()}`,
            ),
          );
        }),
      ]);
      const agent = new AgentClient(
        socket,
        socket,
        () => failure(exited ? 'the VM has exited' : 'the VM is still running'),
        () =>
          Promise.race([
            exitedPromise.then(() => undefined),
            new Promise<void>((resolve) => setTimeout(resolve, 3000)),
          ]),
      );
      void exitedPromise.then((result) => agent.markGone(`the VM exited (qemu exit code ${result.exitCode})`));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        interrupted,
        agent.hello,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(failure(`the VM's agent did not answer within ${timeoutMs} ms`))),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      const timings = { agentReadyMs: performance.now() - bootStart, prepareMs };
      const nics = layout ? await startEmulatedNics(agent, layout, qmpPath) : undefined;
      return new VmTarget(agent, qemu, workDir, kernel, accel, consoleLog, timings, forwarded, unregister, nics);
    } catch (error) {
      await unregister();
      if (error instanceof Error && !error.message.includes('console log:')) {
        error.message = failure(error.message);
      }
      throw error;
    }
  }

  /** Power the guest off; kill it if it does not go within the grace period. Removes the work dir. */
  async close(graceMs = 10_000): Promise<void> {
    this.emulatedNics?.qmp.close();
    await this.agent.shutdown();
    const timer = setTimeout(() => this.qemu.kill('SIGKILL'), graceMs);
    await this.qemu.catch(() => undefined);
    clearTimeout(timer);
    await rm(this.workDir, { recursive: true, force: true });
    await this.unregister();
  }
}
