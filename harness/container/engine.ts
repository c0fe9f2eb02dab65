/**
 * The Docker engine a container target runs on: whatever DOCKER_HOST (or the default socket)
 * names, or a Docker engine inside a bondlab VM, for machines whose own kernel has no bonding or
 * that have no Docker at all. The VM's engine is reachable on a loopback port only, over TLS with
 * per-run certificates (engine-tls.ts), so only the user who started the run can use it.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { ownedTempDir } from '../target/processes.js';
import { run } from '../target/target.js';
import { isStopping } from '../target/teardown.js';
import type { EmulatedCable } from '../vm/emulated-nics.js';
import { FORWARD_NIC_MAC, VmTarget } from '../vm/vm-target.js';
import { GUEST_TLS_DIR, dockerdTlsArgs, makeEngineCerts, type EngineCerts } from './engine-tls.js';
import { DEFAULT_IMAGE, ensureImage, storePath } from './image.js';
import type { DockerEngine } from './docker-engine.js';

export type EngineKind = 'docker' | 'vm';

const GUEST_DOCKER_PORT = 2376;
/** The guest's address on its user-mode NIC (qemu's default network), also in the server certificate. */
const GUEST_ADDRESS = '10.0.2.15';
/** The addresses clients dial: the forwarded loopback port on the host, the guest's own inside it. */
const ENGINE_ADDRESSES = ['127.0.0.1', GUEST_ADDRESS];

export function defaultDockerHost(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

async function describe(docker: Dockerode): Promise<string> {
  const version = await docker.version();
  return `docker ${version.Version}, kernel ${version.KernelVersion}`;
}

/** The engine DOCKER_HOST names (dockerode reads it, with its TLS settings); an error that says how to get one when none answers. */
export async function connectEngine(): Promise<DockerEngine> {
  const host = defaultDockerHost();
  const docker = new Dockerode();
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `no Docker engine answers at ${host} (${(error as Error).message}): start dockerd, set DOCKER_HOST, or use --engine vm`,
    );
  }
  return {
    host,
    env: { DOCKER_HOST: host },
    docker,
    description: await describe(docker),
    close: async () => undefined,
  };
}

interface VmEngineOptions {
  kernel?: string;
  log?: (line: string) => void;
  /** An emulated lab's NICs in the engine's VM, for a lab run on the container target. */
  emulatedNics?: EmulatedCable[];
}

/** A VM for the engine: its API port forwarded to the host's loopback, the image store as /dev/vda. */
function bootEngineVm(options: VmEngineOptions, disk: { path: string; format: 'raw' | 'qcow2' }): Promise<VmTarget> {
  return VmTarget.boot({
    kernel: options.kernel,
    forwardTcp: [GUEST_DOCKER_PORT],
    memoryMb: 2048,
    disks: [disk],
    fetch: { log: options.log },
    emulatedNics: options.emulatedNics,
  });
}

/**
 * dockerd in the guest: cgroup2, no iptables and no bridge (containers get --network none), its
 * TCP API only over TLS with the run's certificates.
 */
async function startDockerd(vm: VmTarget, certs: EngineCerts): Promise<DockerEngine> {
  const setup = [
    'modprobe virtio_net',
    'modprobe virtio_blk',
    'modprobe ext4',
    'modprobe bonding max_bonds=0',
    // The forwarded NIC by its MAC: a lab's emulated NICs are there too.
    `nic=$(grep -lx ${FORWARD_NIC_MAC} /sys/class/net/*/address | cut -d/ -f5)`,
    'ip link set dev "$nic" up',
    `ip addr add ${GUEST_ADDRESS}/24 dev "$nic"`,
    'mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup',
    // overlay2 cannot sit on the guest's overlay root: the image store has a disk of its own.
    'mkdir -p /var/lib/docker',
    'mount /dev/vda /var/lib/docker',
    `install -d -m 0700 ${GUEST_TLS_DIR}`,
  ];
  await run(vm, ['sh', '-ec', setup.join('\n')]);
  for (const name of ['ca', 'cert', 'key'] as const)
    await vm.writeFile(`${GUEST_TLS_DIR}/${name}.pem`, certs.server[name]);
  const dockerd = await vm.spawn([
    'dockerd',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '-H',
    'unix:///run/docker.sock',
    ...dockerdTlsArgs(`tcp://0.0.0.0:${GUEST_DOCKER_PORT}`),
    '--data-root',
    '/var/lib/docker',
    '--pidfile',
    '/run/docker.pid',
  ]);
  let output = '';
  dockerd.onStderr((chunk) => {
    output = (output + chunk).slice(-4000);
  });
  const port = vm.forwardedPorts.get(GUEST_DOCKER_PORT);
  const host = `tcp://127.0.0.1:${port}`;
  const docker = new Dockerode({ host: '127.0.0.1', port, protocol: 'https', ...certs.client });
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await docker.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`dockerd in the VM did not answer within 90 s (${(error as Error).message})\n${output}`);
      if (isStopping()) throw new Error('interrupted while dockerd started');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    host,
    env: certs.env(host),
    docker,
    vm,
    description: `${await describe(docker)} in ${vm.description}`,
    close: () => vm.close(),
  };
}

/**
 * The engine's image store, with bondlab's image already imported: made once per image tag (an
 * import under emulation takes a minute), then used by every run through a copy-on-write overlay
 * of its own, so that runs never change it and several can run at once.
 */
async function prepareStore(options: VmEngineOptions): Promise<string> {
  const base = storePath();
  if (existsSync(base)) return base;
  const partial = `${base}.${process.pid}.partial`;
  await mkdir(dirname(base), { recursive: true });
  await execa('truncate', ['-s', '8G', partial]);
  await execa('mkfs.ext4', ['-q', '-F', '-L', 'bondlab-docker', partial]);
  options.log?.(`preparing the engine's image store ${base}`);
  const certs = await makeEngineCerts(ENGINE_ADDRESSES);
  let vm: VmTarget | undefined;
  try {
    vm = await bootEngineVm({ ...options, emulatedNics: undefined }, { path: partial, format: 'raw' });
    const engine = await startDockerd(vm, certs);
    await ensureImage(engine, DEFAULT_IMAGE, options.log);
    await run(vm, [
      'sh',
      '-ec',
      'kill $(cat /run/docker.pid); while [ -e /run/docker.pid ]; do sleep 0.2; done; umount /var/lib/docker',
    ]);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await vm?.close();
    await certs.remove();
  }
  await rename(partial, base);
  return base;
}

/**
 * Boot a VM and start dockerd in it over a copy of the image store. The engine, its containers and
 * their namespaces all die with the VM.
 */
export async function startVmEngine(options: VmEngineOptions = {}): Promise<DockerEngine> {
  const base = await prepareStore(options);
  const overlayDir = await ownedTempDir('store');
  const overlay = join(overlayDir, 'store.qcow2');
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, overlay]);
  let vm: VmTarget | undefined;
  let certs: EngineCerts | undefined;
  const close = async () => {
    await vm?.close();
    await certs?.remove();
    await rm(overlayDir, { recursive: true, force: true });
  };
  try {
    certs = await makeEngineCerts(ENGINE_ADDRESSES);
    vm = await bootEngineVm(options, { path: overlay, format: 'qcow2' });
    return { ...(await startDockerd(vm, certs)), close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function openEngine(kind: EngineKind, options: VmEngineOptions = {}): Promise<DockerEngine> {
  return kind === 'vm' ? await startVmEngine(options) : await connectEngine();
}
