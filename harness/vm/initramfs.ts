/**
 * The VM's initramfs: busybox, the few modules needed to reach the host's root over 9p and
 * stack an overlay on it, and an init that switches into that overlay. Built once per kernel
 * and cached beside it; the name carries a hash of the init script so a changed init rebuilds.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { ownedTempDir } from '../target/processes.js';
import type { Kernel } from './kernels.js';
import { cacheDir } from './paths.js';

/** Modules the first stage needs; their dependencies come from modules.dep. */
export const BOOT_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay'];

export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

/** Mount tags the VM target gives its 9p shares; the init script mounts them by these names. */
export const SHARE_TAGS = { root: 'hostroot', modules: 'modules', work: 'bondlab' } as const;

export const INIT_SCRIPT = `#!/bin/busybox sh
# bondlab stage 1: reach the host's root over 9p, stack a tmpfs overlay on it, switch into it.
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev /lower /upper /newroot
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t debugfs debugfs /sys/kernel/debug || true
$bb mount -t devtmpfs devtmpfs /dev
# One line of modules.order per level: a level's modules need only earlier levels, so they load at once.
while read -r level; do
  for m in $level; do $bb insmod /modules/$m || echo "bondlab-init: insmod $m failed" & done
  wait
done < /modules.order
o9p=trans=virtio,version=9p2000.L,msize=512000
$bb mount -t 9p -o $o9p,ro,cache=loose ${SHARE_TAGS.root} /lower || echo "bondlab-init: cannot mount the host root"
$bb mount -t tmpfs -o mode=0755 tmpfs /upper
$bb mkdir -p /upper/data /upper/work
$bb mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot || echo "bondlab-init: cannot mount the overlay"
$bb mkdir -p /newroot/lib/modules /newroot/bondlab
$bb mount -t 9p -o $o9p,ro,cache=loose ${SHARE_TAGS.modules} /newroot/lib/modules
$bb mount -t 9p -o $o9p,cache=none ${SHARE_TAGS.work} /newroot/bondlab
# What a system needs before its first program, done here with busybox: far cheaper than
# starting programs over 9p. /tmp stays the host's, seen through the overlay: a checkout or a
# scenario under /tmp must be visible in the guest, and writes still land in the tmpfs upper.
$bb mount -t tmpfs -o mode=0755 tmpfs /newroot/run
$bb mkdir -p /newroot/run/netns /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup
$bb ip link set lo up
$bb hostname bondlab-vm
echo "bondlab-init: switching root at $($bb cut -d' ' -f1 /proc/uptime)"
$bb mount --move /proc /newroot/proc
$bb mount --move /sys /newroot/sys
$bb mount --move /dev /newroot/dev
exec $bb switch_root /newroot /bin/sh /bondlab/stage2.sh
echo "bondlab-init: switch_root failed"
$bb poweroff -f
`;

/** Probes KVM: an init that powers off at once. */
const PROBE_SCRIPT = '#!/bin/busybox sh\n/bin/busybox poweroff -f\n';

function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [module, rest] = line.split(':');
    if (!module || rest === undefined) continue;
    deps.set(module.trim(), rest.trim().split(/\s+/).filter(Boolean));
  }
  return deps;
}

export function moduleName(path: string): string {
  return basename(path)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');
}

/**
 * The module files to load, dependencies first; modules built into the kernel are left out.
 * Throws when a needed module is neither a file nor built in.
 */
export function resolveBootModules(modulesDep: string, modulesBuiltin: string, wanted = BOOT_MODULES): string[] {
  const deps = parseModulesDep(modulesDep);
  const byName = new Map([...deps.keys()].map((path) => [moduleName(path), path]));
  const builtin = new Set(modulesBuiltin.split('\n').filter(Boolean).map(moduleName));
  const order: string[] = [];
  const visit = (path: string) => {
    if (order.includes(path)) return;
    for (const dep of deps.get(path) ?? []) visit(dep);
    order.push(path);
  };
  for (const name of wanted) {
    const path = byName.get(name.replace(/-/g, '_'));
    if (path) visit(path);
    else if (!builtin.has(name.replace(/-/g, '_')))
      throw new Error(`module ${name} is neither built in nor in modules.dep`);
  }
  return order;
}

/**
 * The modules of `order` in levels: each module's dependencies all sit in earlier levels, so the
 * modules of one level can load in parallel (each insmod's init runs on a vCPU of its own).
 */
export function moduleLevels(order: string[], modulesDep: string): string[][] {
  const deps = parseModulesDep(modulesDep);
  const level = new Map<string, number>();
  for (const path of order) {
    const below = (deps.get(path) ?? []).map((dep) => level.get(dep) ?? -1);
    level.set(path, Math.max(-1, ...below) + 1);
  }
  const levels: string[][] = [];
  for (const [path, at] of level) (levels[at] ??= []).push(path);
  return levels;
}

/** busybox insmod cannot read compressed modules. */
async function decompressModule(source: string, destination: string): Promise<void> {
  if (source.endsWith('.ko')) {
    await copyFile(source, destination);
  } else if (source.endsWith('.gz')) {
    await writeFile(destination, gunzipSync(await readFile(source)));
  } else if (source.endsWith('.xz')) {
    await execa('xz', ['-dc', source], { stdout: { file: destination } });
  } else if (source.endsWith('.zst')) {
    await execa('zstd', ['-dcq', source], { stdout: { file: destination } });
  } else {
    throw new Error(`unknown module compression: ${source}`);
  }
}

export function findBusybox(): string {
  const found = BUSYBOX_CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error('busybox is missing: install it with "apt-get install busybox-static"');
  return found;
}

export function initramfsPath(kernel: Kernel): string {
  const hash = createHash('sha256')
    .update(INIT_SCRIPT)
    .update(PROBE_SCRIPT)
    .update(BOOT_MODULES.join())
    .digest('hex')
    .slice(0, 12);
  const dir = kernel.cacheDir ?? join(cacheDir(), 'initramfs', kernel.release);
  return join(dir, `initramfs-${hash}.cpio`);
}

/** How long an initramfs of another init script is kept unused: another bondlab version may boot it. */
export const UNUSED_INITRAMFS_MS = 7 * 24 * 3600 * 1000;

/**
 * The other images beside `keep` not used (their mtime: each use touches it) for UNUSED_INITRAMFS_MS.
 * Removing them at once would pull the image from under a concurrent run of another bondlab version.
 */
export function staleInitramfs(images: { name: string; mtimeMs: number }[], keep: string, nowMs: number): string[] {
  return images
    .filter(({ name }) => /^initramfs-.*\.cpio$/.test(name) && name !== keep)
    .filter(({ mtimeMs }) => nowMs - mtimeMs > UNUSED_INITRAMFS_MS)
    .map(({ name }) => name);
}

/** Build (or reuse) the initramfs for a kernel and return its path. */
export async function buildInitramfs(kernel: Kernel): Promise<string> {
  const output = initramfsPath(kernel);
  if (existsSync(output)) {
    const now = new Date();
    await utimes(output, now, now).catch(() => undefined);
    return output;
  }
  const busybox = findBusybox();
  const moduleRoot = join(kernel.modulesDir, kernel.release);
  const modulesDep = await readFile(join(moduleRoot, 'modules.dep'), 'utf8');
  const builtin = await readFile(join(moduleRoot, 'modules.builtin'), 'utf8').catch(() => '');
  const modules = resolveBootModules(modulesDep, builtin);

  const staging = await ownedTempDir('initramfs');
  try {
    await mkdir(join(staging, 'bin'), { recursive: true });
    await mkdir(join(staging, 'modules'), { recursive: true });
    await copyFile(busybox, join(staging, 'bin', 'busybox'));
    await chmod(join(staging, 'bin', 'busybox'), 0o755);
    const order: string[] = [];
    for (const module of modules) {
      const file = `${moduleName(module)}.ko`;
      await decompressModule(join(moduleRoot, module), join(staging, 'modules', file));
      order.push(file);
    }
    const levels = moduleLevels(modules, modulesDep).map((level) => level.map((m) => `${moduleName(m)}.ko`).join(' '));
    await writeFile(join(staging, 'modules.order'), `${levels.join('\n')}\n`);
    await writeFile(join(staging, 'init'), INIT_SCRIPT, { mode: 0o755 });
    await writeFile(join(staging, 'probe'), PROBE_SCRIPT, { mode: 0o755 });
    const files = [
      '.',
      'bin',
      'bin/busybox',
      'modules',
      ...order.map((f) => `modules/${f}`),
      'modules.order',
      'init',
      'probe',
    ];
    await mkdir(dirname(output), { recursive: true });
    const partial = `${output}.partial-${process.pid}`;
    await execa('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], {
      cwd: staging,
      input: `${files.join('\n')}\n`,
      stdout: { file: partial },
    });
    await rename(partial, output);
    const dir = dirname(output);
    const images = await Promise.all(
      (await readdir(dir)).map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })),
    );
    for (const stale of staleInitramfs(images, basename(output), Date.now()))
      await rm(join(dir, stale), { force: true });
    return output;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
