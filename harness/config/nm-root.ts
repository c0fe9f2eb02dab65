/**
 * NetworkManager for the VM, without installing it on the host: Debian bookworm's
 * network-manager (1.42) and the libraries it needs that the host lacks, downloaded with
 * bondlab's private apt configuration (the kernels' one) and unpacked with `dpkg-deb -x` into
 * the cache. The guest's root is the host's, so the guest finds the unpacked tree at the same
 * path and runs NetworkManager and nmcli from it with LD_LIBRARY_PATH (apply-nm.ts).
 * Installing the package instead would upgrade systemd, pull in udev, and could take over a
 * machine's networking.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptFor, aptUpdate, type FetchOptions } from '../vm/kernels.js';
import { cacheDir } from '../vm/paths.js';

const PACKAGE = 'network-manager';
/** Left out of what the host lacks: udev (NetworkManager runs without it in a namespace) and nmtui's library. */
const SKIP = new Set(['udev', 'libnewt0.52']);

export interface NmRoot {
  /** The unpacked tree: usr/sbin/NetworkManager, usr/bin/nmcli, usr/lib/x86_64-linux-gnu. */
  root: string;
  version: string;
  packages: string[];
}

export const nmRootDir = () => join(cacheDir(), 'tools', PACKAGE);

export const nmPaths = (root: string) => ({
  daemon: join(root, 'usr/sbin/NetworkManager'),
  nmcli: join(root, 'usr/bin/nmcli'),
  libs: join(root, 'usr/lib/x86_64-linux-gnu'),
});

/** The fetched tree's root, for a VM about to run it; an error that says how to fetch it. */
export function fetchedNmRoot(): string {
  const root = join(nmRootDir(), 'root');
  if (!existsSync(nmPaths(root).daemon))
    throw new Error(
      `apply: networkmanager runs NetworkManager from bondlab's cache, and ${root} has none: run "bondlab tools fetch network-manager"`,
    );
  return root;
}

/** The fetched tree, when there is one. */
export async function cachedNmRoot(): Promise<NmRoot | undefined> {
  try {
    const tool = JSON.parse(await readFile(join(nmRootDir(), 'tool.json'), 'utf8')) as NmRoot;
    return existsSync(nmPaths(tool.root).daemon) ? tool : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `apt-get install network-manager` would add to this host: the new packages of a
 * simulation against the host's own dpkg status (read only), with bookworm's lists.
 */
async function newPackages(apt: { args: string[] }): Promise<string[]> {
  const { execa } = await import('execa');
  const args = apt.args.map((a) =>
    a.startsWith('Dir::State::status=') ? 'Dir::State::status=/var/lib/dpkg/status' : a,
  );
  const simulated = await execa(
    'apt-get',
    [...args, '-o', 'Debug::NoLocking=1', '-s', 'install', '--no-install-recommends', PACKAGE],
    { reject: false, all: true },
  );
  if (simulated.exitCode !== 0) throw new Error(`apt-get -s install ${PACKAGE} failed:\n${simulated.all}`);
  // "Inst libnm0 (1.42.4-1 ...)" is new; "Inst systemd [252.38] (252.39 ...)" an upgrade of what the host has.
  const names = [...simulated.stdout.matchAll(/^Inst (\S+) \(/gm)].map((m) => m[1] ?? '');
  return [...new Set([PACKAGE, ...names])].filter((name) => name && !SKIP.has(name)).sort();
}

/** Libraries the unpacked programs still cannot find (with the tree's own on LD_LIBRARY_PATH). */
export async function missingLibraries(root: string): Promise<string[]> {
  const { execa } = await import('execa');
  const paths = nmPaths(root);
  const missing = new Set<string>();
  for (const program of [paths.daemon, paths.nmcli]) {
    const ldd = await execa('ldd', [program], { reject: false, env: { LD_LIBRARY_PATH: paths.libs } });
    for (const m of ldd.stdout.matchAll(/^\s*(\S+) => not found/gm)) if (m[1]) missing.add(m[1]);
  }
  return [...missing].sort();
}

/** Download and unpack NetworkManager into the cache (once; `refresh` fetches again). */
export async function fetchNmRoot(options: FetchOptions = {}): Promise<NmRoot> {
  const cached = await cachedNmRoot();
  if (cached && !options.refresh) return cached;
  const { execa } = await import('execa');
  const apt = await aptFor('bookworm');
  await aptUpdate(apt, options);
  const packages = await newPackages(apt);
  const parent = join(cacheDir(), 'tools');
  await mkdir(parent, { recursive: true });
  // Named after the process, like a kernel fetch's: `bondlab cleanup` finds a killed fetch's.
  const work = await mkdtemp(join(parent, `.fetch-${PACKAGE}-${process.pid}-`));
  try {
    options.log?.(`downloading ${packages.join(' ')}`);
    const download = await execa('apt-get', [...apt.args, 'download', ...packages], {
      cwd: work,
      reject: false,
      all: true,
    });
    if (download.exitCode !== 0) throw new Error(`apt-get download ${packages.join(' ')} failed:\n${download.all}`);
    const debs = (await readdir(work)).filter((name) => name.endsWith('.deb'));
    const main = debs.find((name) => name.startsWith(`${PACKAGE}_`));
    if (!main) throw new Error(`apt-get download ${PACKAGE} produced no .deb`);
    const staged = join(work, 'tool');
    await mkdir(join(staged, 'root'), { recursive: true });
    for (const deb of debs) await execa('dpkg-deb', ['-x', join(work, deb), join(staged, 'root')]);
    const version = (await execa('dpkg-deb', ['-f', join(work, main), 'Version'])).stdout.trim();
    const root = join(nmRootDir(), 'root');
    const missing = await missingLibraries(join(staged, 'root'));
    if (missing.length)
      throw new Error(
        `NetworkManager ${version} needs libraries neither this host nor the fetched packages have: ${missing.join(', ')}`,
      );
    const tool: NmRoot = { root, version, packages };
    await writeFile(join(staged, 'tool.json'), `${JSON.stringify(tool, null, 2)}\n`);
    await rm(nmRootDir(), { recursive: true, force: true });
    await rename(staged, nmRootDir());
    return tool;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
