import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { ContainerTarget, checkBonding } from '../container/container-target.js';
import type { DockerEngine } from '../container/docker-engine.js';
import { connectEngine, defaultDockerHost } from '../container/engine.js';
import { DEFAULT_IMAGE, hasImage } from '../container/image.js';
import { QEMU, kvmPrerequisites } from '../vm/accel.js';
import { BUSYBOX_CANDIDATES } from '../vm/initramfs.js';
import { newRunId } from '../topology/names.js';
import { listCachedKernels } from '../vm/kernels.js';
import { cachedNmRoot, nmRootDir } from '../config/nm-root.js';
import { printJson, useColor } from './output.js';

/** What code and JSON readers look a row up by; the name is for people and may change. */
export type CheckId =
  | 'host-bonding'
  | 'root'
  | 'iproute2'
  | 'iperf3'
  | 'ethtool'
  | 'qemu'
  | 'busybox'
  | 'kvm'
  | 'tcg'
  | 'docker-engine'
  | 'engine-bonding'
  | 'debootstrap'
  | 'dockerd'
  | 'qemu-img'
  | 'kernels'
  | 'ifupdown'
  | 'ifenslave'
  | 'dhclient'
  | 'dnsmasq'
  | 'networkd'
  | 'netplan'
  | 'network-manager'
  | 'dbus-daemon';

export interface Check {
  id: CheckId;
  name: string;
  ok: boolean;
  detail: string;
  /** The command that fixes it, when it is not ok. */
  fix?: string;
}

async function commandVersion(argv: string[]): Promise<string | undefined> {
  const [file, ...args] = argv;
  if (!file) return undefined;
  const result = await execa(file, args, { reject: false, all: true });
  if (result.failed && result.exitCode === undefined) return undefined;
  return (
    String(result.all ?? '')
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? ''
  );
}

/** Bonding in the running kernel: built in, loaded, or loadable. */
async function hostBonding(): Promise<Check> {
  const release = (await execa('uname', ['-r'])).stdout.trim();
  if (existsSync('/sys/module/bonding') || existsSync('/proc/net/bonding')) {
    return { id: 'host-bonding', name: 'bonding in the host kernel', ok: true, detail: `loaded in ${release}` };
  }
  const builtin = await readFile(`/lib/modules/${release}/modules.builtin`, 'utf8').catch(() => '');
  if (builtin.includes('/bonding.ko'))
    return { id: 'host-bonding', name: 'bonding in the host kernel', ok: true, detail: `built into ${release}` };
  const found = await execa('modinfo', ['bonding'], { reject: false });
  if (found.exitCode === 0)
    return {
      id: 'host-bonding',
      name: 'bonding in the host kernel',
      ok: true,
      detail: `loadable module in ${release}`,
    };
  return {
    id: 'host-bonding',
    name: 'bonding in the host kernel',
    ok: false,
    detail: `${release} has no bonding driver: use the VM target (--target vm), which boots its own kernel`,
    fix: 'bondlab kernels fetch debian:bookworm',
  };
}

async function toolCheck(id: CheckId, name: string, argv: string[], fix: string): Promise<Check> {
  const version = await commandVersion(argv);
  return version === undefined
    ? { id, name, ok: false, detail: 'not installed', fix }
    : { id, name, ok: true, detail: version };
}

async function dockerEngine(): Promise<{ check: Check; engine?: DockerEngine }> {
  try {
    const engine = await connectEngine();
    const image = (await hasImage(engine, DEFAULT_IMAGE))
      ? `, has ${DEFAULT_IMAGE}`
      : `, no ${DEFAULT_IMAGE} yet (imported at the first run)`;
    return {
      check: {
        id: 'docker-engine',
        name: 'Docker engine',
        ok: true,
        detail: `${engine.description} at ${engine.host}${image}`,
      },
      engine,
    };
  } catch {
    return {
      check: {
        id: 'docker-engine',
        name: 'Docker engine',
        ok: false,
        detail: `nothing answers at ${defaultDockerHost()}; only --target container --engine docker needs one`,
        fix: 'apt-get install docker.io && dockerd &  (or set DOCKER_HOST)',
      },
    };
  }
}

/** The engine's kernel, seen from a privileged container: the module is loaded from inside where the engine allows it. */
async function engineBonding(engine: DockerEngine): Promise<Check> {
  const id = 'engine-bonding';
  const name = "bonding in the engine's kernel";
  try {
    const target = await ContainerTarget.start({ engine, runId: newRunId() });
    try {
      await checkBonding(target);
      return { id, name, ok: true, detail: `a privileged container on ${engine.host} made a bond` };
    } finally {
      await target.close();
    }
  } catch (error) {
    return {
      id,
      name,
      ok: false,
      detail: (error as Error).message.split('\n')[0] ?? '',
      fix: 'use --engine vm, or load bonding on the Docker host (modprobe bonding)',
    };
  }
}

export async function runChecks(options: { container?: boolean } = {}): Promise<Check[]> {
  const kvmMissing = await kvmPrerequisites();
  const qemu = await commandVersion([QEMU, '--version']);
  const kernels = await listCachedKernels();
  const busybox = BUSYBOX_CANDIDATES.find((path) => existsSync(path));
  const docker = await dockerEngine();
  const containerChecks = [
    docker.check,
    ...(options.container && docker.engine ? [await engineBonding(docker.engine)] : []),
    await toolCheck(
      'debootstrap',
      'debootstrap (container image)',
      ['debootstrap', '--version'],
      'apt-get install debootstrap',
    ),
    await toolCheck('dockerd', 'dockerd (--engine vm)', ['dockerd', '--version'], 'apt-get install docker.io'),
    await toolCheck('qemu-img', 'qemu-img (--engine vm)', ['qemu-img', '--version'], 'apt-get install qemu-utils'),
  ];
  return [
    await hostBonding(),
    {
      id: 'root',
      name: 'root',
      ok: process.getuid?.() === 0,
      detail: process.getuid?.() === 0 ? 'running as root' : 'the host target needs root (the VM target does not)',
      fix: 'sudo bondlab ...',
    },
    await toolCheck('iproute2', 'iproute2', ['ip', '-V'], 'apt-get install iproute2'),
    await toolCheck('iperf3', 'iperf3', ['iperf3', '--version'], 'apt-get install iperf3'),
    await toolCheck('ethtool', 'ethtool', ['ethtool', '--version'], 'apt-get install ethtool'),
    qemu === undefined
      ? { id: 'qemu', name: 'qemu', ok: false, detail: `${QEMU} not installed`, fix: 'apt-get install qemu-system-x86' }
      : { id: 'qemu', name: 'qemu', ok: true, detail: qemu },
    busybox
      ? { id: 'busybox', name: 'busybox (VM initramfs)', ok: true, detail: busybox }
      : {
          id: 'busybox',
          name: 'busybox (VM initramfs)',
          ok: false,
          detail: 'not installed',
          fix: 'apt-get install busybox-static',
        },
    kvmMissing
      ? {
          id: 'kvm',
          name: 'KVM',
          ok: false,
          detail: `unusable: ${kvmMissing}; the VM target uses TCG (slower, works)`,
          fix: 'enable virtualisation in the BIOS or the hypervisor (nested VMX/SVM)',
        }
      : { id: 'kvm', name: 'KVM', ok: true, detail: '/dev/kvm usable (each boot still probes that a KVM guest runs)' },
    qemu === undefined
      ? { id: 'tcg', name: 'TCG', ok: false, detail: 'needs qemu', fix: 'apt-get install qemu-system-x86' }
      : { id: 'tcg', name: 'TCG', ok: true, detail: 'available (software emulation)' },
    ...containerChecks,
    ...configToolChecks(),
    await networkManagerCheck(),
    kernels.length > 0
      ? {
          id: 'kernels',
          name: 'cached kernels',
          ok: true,
          detail: kernels.map((k) => `${k.release} (${k.source})`).join(', '),
        }
      : {
          id: 'kernels',
          name: 'cached kernels',
          ok: false,
          detail: 'none yet',
          fix: 'bondlab kernels fetch debian:bookworm',
        },
  ];
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check what this machine offers bondlab, and how to fix what is missing')
    .option('--container', 'also start a container on the Docker engine and check that its kernel can make bonds')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean; container?: boolean }) => {
      const checks = await runChecks({ container: options.container });
      const ok = (id: CheckId) => checks.find((check) => check.id === id)?.ok === true;
      // Fine when at least one target can make bonds: the host (bonding and root) or the VM (qemu and busybox).
      const usable = (ok('host-bonding') && ok('root')) || (ok('qemu') && ok('busybox'));
      process.exitCode = usable ? 0 : 1;
      if (options.json) return printJson({ usable, checks });
      const color = useColor(process.stdout);
      const mark = (ok: boolean) =>
        ok ? (color ? '\x1b[32mok\x1b[0m  ' : 'ok  ') : color ? '\x1b[33mmiss\x1b[0m' : 'miss';
      for (const check of checks) {
        process.stdout.write(`${mark(check.ok)} ${check.name.padEnd(30)} ${check.detail}\n`);
        if (!check.ok && check.fix) process.stdout.write(`     ${''.padEnd(30)} fix: ${check.fix}\n`);
      }
      process.stdout.write(
        usable ? '\nbondlab can run here.\n' : '\nno target can make bonds here: fix one of the lines above.\n',
      );
    });
}

/** The distribution tools that bring a user's configuration up inside the VM (whose root is the host's /, so they are the host's packages). */
const CONFIG_TOOLS: { id: CheckId; name: string; paths: string[]; fix: string }[] = [
  {
    id: 'ifupdown',
    name: 'ifupdown (config apply)',
    paths: ['/usr/sbin/ifup', '/sbin/ifup'],
    fix: 'apt-get install ifupdown',
  },
  {
    id: 'ifenslave',
    name: 'ifenslave scripts (config apply)',
    paths: ['/etc/network/if-pre-up.d/ifenslave'],
    fix: 'apt-get install ifenslave',
  },
  {
    id: 'dhclient',
    name: 'DHCP client (inet dhcp apply)',
    paths: ['/usr/sbin/dhclient', '/sbin/dhclient'],
    fix: 'apt-get install isc-dhcp-client',
  },
  {
    id: 'dnsmasq',
    name: 'DHCP server (inet dhcp apply)',
    paths: ['/usr/sbin/dnsmasq'],
    fix: 'apt-get install dnsmasq-base',
  },
  {
    id: 'networkd',
    name: 'systemd-networkd (config apply)',
    paths: ['/lib/systemd/systemd-networkd', '/usr/lib/systemd/systemd-networkd'],
    fix: 'apt-get install systemd-networkd (part of systemd before Debian 13)',
  },
  {
    id: 'dbus-daemon',
    name: 'dbus-daemon (NetworkManager apply)',
    paths: ['/usr/bin/dbus-daemon'],
    fix: 'apt-get install dbus-daemon',
  },
  {
    id: 'netplan',
    name: 'netplan (config apply)',
    paths: ['/usr/sbin/netplan'],
    fix: 'apt-get install netplan.io',
  },
];

function configToolChecks(): Check[] {
  return CONFIG_TOOLS.map(({ id, name, paths, fix }) => {
    const found = paths.find((path) => existsSync(path));
    return found ? { id, name, ok: true, detail: found } : { id, name, ok: false, detail: 'not installed', fix };
  });
}

/** NetworkManager is fetched into the cache, never installed here (it would take over this machine's networking). */
async function networkManagerCheck(): Promise<Check> {
  const id = 'network-manager';
  const name = 'NetworkManager (config apply)';
  const nm = await cachedNmRoot();
  return nm
    ? { id, name, ok: true, detail: `${nm.version}, unpacked in ${nm.root}` }
    : {
        id,
        name,
        ok: false,
        detail: `not fetched into ${nmRootDir()} (it is run in the VM from there, not installed)`,
        fix: 'bondlab tools fetch network-manager',
      };
}
