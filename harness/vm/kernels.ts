/**
 * Kernels for the VM target: Debian kernel packages fetched with a private apt configuration
 * (the machine's own apt configuration is never touched), the running host's kernel, or a
 * user's own build. Each is unpacked once into the cache with its modules depmod'ed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheDir } from './paths.js';

/** execa, imported on first use: checking a kernel spec (bondlab validate) runs no command, and stays fast. */
const loadExeca = async () => (await import('execa')).execa;

export const DEFAULT_KERNEL = 'debian:bookworm';

/** A parsed `--kernel` value. */
export type KernelSpec =
  | { kind: 'debian-suite'; suite: DebianSuite; text: string }
  | { kind: 'debian-package'; release: string; version?: string; text: string }
  | { kind: 'host'; text: string }
  | { kind: 'path'; vmlinuz: string; modules?: string; text: string };

const SUITES = {
  bookworm: ['bookworm', 'bookworm-updates', 'security:bookworm-security'],
  trixie: ['trixie', 'trixie-updates', 'security:trixie-security'],
  sid: ['sid'],
} as const;
export type DebianSuite = keyof typeof SUITES;

/** A kernel ready to boot: what the VM target needs, and what reports show. */
export interface Kernel {
  /** The kernel release (`uname -r` inside the guest). */
  release: string;
  vmlinuz: string;
  /** A directory holding `<release>/` with modules.dep. */
  modulesDir: string;
  /** Where it came from: the spec, and for Debian the package and version. */
  source: string;
  package?: string;
  packageVersion?: string;
  /** Set for kernels the cache owns (and `kernels rm` may remove). */
  cacheDir?: string;
}

/** A kernel spec in none of the forms; `expected` lists them (scenario files show it in their own words). */
export class KernelSpecError extends Error {
  override name = 'KernelSpecError';

  constructor(
    readonly spec: string,
    readonly expected: string,
  ) {
    super(`--kernel ${spec}: expected ${expected}`);
  }
}

/** A well-formed kernel spec this machine cannot provide (a file or the apt keyring missing). */
export class KernelUnavailableError extends Error {
  override name = 'KernelUnavailableError';
}

export function parseKernelSpec(text: string): KernelSpec {
  if (text === 'host') return { kind: 'host', text };
  if (text.startsWith('debian:')) {
    const rest = text.slice('debian:'.length);
    if (rest in SUITES) return { kind: 'debian-suite', suite: rest as DebianSuite, text };
    const match = /^(?:linux-image-)?([0-9][\w.+~-]*-amd64)(?:=([\w.+~:-]+))?$/.exec(rest);
    if (match?.[1]) return { kind: 'debian-package', release: match[1], version: match[2], text };
    throw new KernelSpecError(
      text,
      'debian:bookworm, debian:trixie, debian:sid or debian:<release>-amd64[=<package version>]',
    );
  }
  if (text.includes('/')) {
    const [vmlinuz, modules] = text.split(':');
    return { kind: 'path', vmlinuz: resolve(vmlinuz ?? text), modules: modules ? resolve(modules) : undefined, text };
  }
  throw new KernelSpecError(
    text,
    'debian:<suite>, debian:<release>-amd64, host, or /path/to/vmlinuz[:/path/to/modules]',
  );
}

export interface FetchOptions {
  /** Refresh the suite's package lists even when a cached answer exists. */
  refresh?: boolean;
  /** Show apt's download progress (on a TTY). */
  progress?: boolean;
  log?: (line: string) => void;
}

/**
 * A fetch's work directory names its process, `.fetch-<release>-<pid>-*` for a kernel,
 * `.fetch-<tool>-<pid>-*` for a tool (config/nm-root.ts): cleanup finds a killed fetch's.
 */
const FETCH_DIR = /^\.fetch-.+-(\d+)-[^-]+$/;

export async function fetchDirs(): Promise<{ path: string; pid: number }[]> {
  const found: { path: string; pid: number }[] = [];
  for (const root of [kernelsRoot(), join(cacheDir(), 'tools')]) {
    for (const name of await readdir(root).catch(() => [])) {
      const pid = Number(FETCH_DIR.exec(name)?.[1] ?? 0);
      if (pid) found.push({ path: join(root, name), pid });
    }
  }
  return found;
}

function kernelsRoot(): string {
  return join(cacheDir(), 'kernels');
}

/** The Debian archive: the machine's own mirror is not read, so a proxy mirror is set through the environment. */
function mirror(): { main: string; security: string } {
  return {
    main: process.env.BONDLAB_DEBIAN_MIRROR || 'http://deb.debian.org/debian',
    security: process.env.BONDLAB_DEBIAN_SECURITY_MIRROR || 'http://deb.debian.org/debian-security',
  };
}

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A private apt configuration for one suite: its own sources, lists, cache and an empty dpkg status. */
export async function aptFor(suite: DebianSuite | 'all'): Promise<{ args: string[]; dir: string }> {
  if (!existsSync(KEYRING)) {
    throw new KernelUnavailableError(`${KEYRING} is missing: install it with "apt-get install debian-archive-keyring"`);
  }
  const dir = join(cacheDir(), 'apt', suite);
  await mkdir(join(dir, 'lists', 'partial'), { recursive: true });
  await mkdir(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  const { main, security } = mirror();
  const suites = suite === 'all' ? Object.values(SUITES).flat() : SUITES[suite];
  const sources = suites
    .map((entry) =>
      entry.startsWith('security:')
        ? `deb [signed-by=${KEYRING}] ${security} ${entry.slice('security:'.length)} main`
        : `deb [signed-by=${KEYRING}] ${main} ${entry} main`,
    )
    .join('\n');
  await writeFile(join(dir, 'sources.list'), `${sources}\n`);
  if (!existsSync(join(dir, 'status'))) await writeFile(join(dir, 'status'), '');
  const args = [
    '-o',
    `Dir::Etc::sourcelist=${join(dir, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o',
    `Dir::State::status=${join(dir, 'status')}`,
    '-o',
    `Dir::Cache=${join(dir, 'cache')}`,
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Acquire::Languages=none',
  ];
  return { args, dir };
}

export async function aptUpdate(apt: { args: string[]; dir: string }, options: FetchOptions): Promise<void> {
  const execa = await loadExeca();
  const stamp = join(apt.dir, 'updated');
  if (!options.refresh && existsSync(stamp)) return;
  options.log?.(`updating package lists in ${apt.dir}`);
  const result = await execa('apt-get', [...apt.args, '-qq', 'update'], { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`apt-get update failed:\n${result.all}`);
  await writeFile(stamp, new Date().toISOString());
}

/** The release that a suite's linux-image-amd64 meta package points at. */
async function resolveSuite(suite: DebianSuite, options: FetchOptions): Promise<string> {
  const execa = await loadExeca();
  const apt = await aptFor(suite);
  await aptUpdate(apt, options);
  const result = await execa('apt-cache', [...apt.args, 'depends', 'linux-image-amd64'], { reject: false, all: true });
  const release = /Depends: linux-image-([0-9][^\s]*-amd64)(?:-unsigned)?\b/.exec(result.stdout)?.[1];
  if (!release) throw new Error(`cannot tell which kernel debian:${suite} ships:\n${result.all}`);
  return release;
}

async function readKernel(dir: string): Promise<Kernel | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'kernel.json'), 'utf8')) as Kernel;
  } catch {
    return undefined;
  }
}

/** Kernels in the cache, newest release first. */
export async function listCachedKernels(): Promise<Kernel[]> {
  const root = kernelsRoot();
  if (!existsSync(root)) return [];
  const kernels: Kernel[] = [];
  for (const entry of await readdir(root)) {
    const kernel = await readKernel(join(root, entry));
    if (kernel) kernels.push(kernel);
  }
  return kernels.sort((a, b) => b.release.localeCompare(a.release, undefined, { numeric: true }));
}

async function cachedAlias(suite: DebianSuite): Promise<string | undefined> {
  try {
    const aliases = JSON.parse(await readFile(join(kernelsRoot(), 'aliases.json'), 'utf8')) as Record<string, string>;
    return aliases[suite];
  } catch {
    return undefined;
  }
}

async function rememberAlias(suite: DebianSuite, release: string): Promise<void> {
  const file = join(kernelsRoot(), 'aliases.json');
  let aliases: Record<string, string> = {};
  try {
    aliases = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    // first alias
  }
  aliases[suite] = release;
  await writeFile(file, `${JSON.stringify(aliases, null, 2)}\n`);
}

/** Download one Debian kernel package and unpack vmlinuz and modules into the cache. */
async function fetchDebianPackage(
  release: string,
  version: string | undefined,
  suite: DebianSuite | 'all',
  source: string,
  options: FetchOptions,
): Promise<Kernel> {
  const execa = await loadExeca();
  const target = join(kernelsRoot(), release);
  const cached = await readKernel(target);
  if (cached && (!version || cached.packageVersion === version)) return cached;

  const apt = await aptFor(suite);
  await aptUpdate(apt, options);
  await mkdir(kernelsRoot(), { recursive: true });
  const work = await mkdtemp(join(kernelsRoot(), `.fetch-${release}-${process.pid}-`));
  try {
    const pkg = `linux-image-${release}`;
    // From 7.x Debian splits a kernel: the image is a meta package over linux-binary (vmlinuz)
    // linux-modules and linux-base (modules.builtin). Fetch whichever of them the archive has.
    const known = (await execa('apt-cache', [...apt.args, 'pkgnames', 'linux-'])).stdout.split('\n');
    const parts = [pkg, `linux-binary-${release}`, `linux-modules-${release}`, `linux-base-${release}`].filter((name) =>
      known.includes(name),
    );
    const wanted = parts.map((name) => (version ? `${name}=${version}` : name));
    options.log?.(`downloading ${wanted.join(' ')}`);
    const download = await execa('apt-get', [...apt.args, 'download', ...wanted], {
      cwd: work,
      reject: false,
      stdout: options.progress ? 'inherit' : 'pipe',
      stderr: options.progress ? 'inherit' : 'pipe',
    });
    if (download.exitCode !== 0) {
      throw new Error(
        `apt-get download ${wanted.join(' ')} failed${options.progress ? '' : `:\n${String(download.stderr)}`}`,
      );
    }
    const debs = (await readdir(work)).filter((name) => name.endsWith('.deb'));
    const imageDeb = debs.find((name) => name.startsWith(`${pkg}_`));
    if (!imageDeb) throw new Error(`apt-get download ${pkg} produced no .deb`);
    const packageVersion = (await execa('dpkg-deb', ['-f', join(work, imageDeb), 'Version'])).stdout.trim();
    const root = join(work, 'root');
    for (const deb of debs) {
      options.log?.(`unpacking ${deb}`);
      await execa('dpkg-deb', ['-x', join(work, deb), root]);
    }
    const moduleParent = [join(root, 'usr/lib/modules'), join(root, 'lib/modules')].find((dir) =>
      existsSync(join(dir, release, 'kernel')),
    );
    const vmlinuz = [join(root, 'boot', `vmlinuz-${release}`), join(root, 'usr/lib/modules', release, 'vmlinuz')].find(
      existsSync,
    );
    if (!moduleParent || !vmlinuz) throw new Error(`${debs.join(', ')} hold no vmlinuz or modules for ${release}`);
    const staged = join(work, 'kernel');
    await mkdir(join(staged, 'lib', 'modules'), { recursive: true });
    await rename(vmlinuz, join(staged, 'vmlinuz'));
    await rename(join(moduleParent, release), join(staged, 'lib', 'modules', release));
    // Debian ships no modules.dep in the package; depmod -b expects <base>/lib/modules/<release>.
    await execa('depmod', ['-b', staged, release]);
    const kernel: Kernel = {
      release,
      vmlinuz: join(target, 'vmlinuz'),
      modulesDir: join(target, 'lib', 'modules'),
      source,
      package: pkg,
      packageVersion,
      cacheDir: target,
    };
    await writeFile(join(staged, 'kernel.json'), `${JSON.stringify(kernel, null, 2)}\n`);
    await rm(target, { recursive: true, force: true });
    await rename(staged, target);
    return kernel;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Turn a spec into a bootable kernel, fetching and caching it when needed. */
export async function resolveKernel(text: string, options: FetchOptions = {}): Promise<Kernel> {
  const execa = await loadExeca();
  const spec = parseKernelSpec(text);
  switch (spec.kind) {
    case 'debian-suite': {
      let release = options.refresh ? undefined : await cachedAlias(spec.suite);
      if (!release || !(await readKernel(join(kernelsRoot(), release)))) {
        release = await resolveSuite(spec.suite, options);
      }
      const kernel = await fetchDebianPackage(release, undefined, spec.suite, spec.text, options);
      await rememberAlias(spec.suite, release);
      return kernel;
    }
    case 'debian-package':
      return fetchDebianPackage(spec.release, spec.version, 'all', spec.text, options);
    case 'host': {
      const release = (await execa('uname', ['-r'])).stdout.trim();
      const vmlinuz = `/boot/vmlinuz-${release}`;
      if (!existsSync(vmlinuz))
        throw new KernelUnavailableError(`--kernel host: ${vmlinuz} does not exist on this machine`);
      const modulesDir = ['/lib/modules', '/usr/lib/modules'].find((dir) => existsSync(join(dir, release)));
      if (!modulesDir)
        throw new KernelUnavailableError(`--kernel host: no modules directory for ${release} under /lib/modules`);
      return { release, vmlinuz, modulesDir, source: 'host' };
    }
    case 'path': {
      if (!existsSync(spec.vmlinuz))
        throw new KernelUnavailableError(`--kernel ${spec.text}: ${spec.vmlinuz} does not exist`);
      const modulesDir = spec.modules;
      if (!modulesDir || !existsSync(modulesDir)) {
        throw new KernelUnavailableError(
          `--kernel ${spec.text}: name the modules directory as /path/to/vmlinuz:/path/to/modules`,
        );
      }
      const releases = (await readdir(modulesDir)).filter((entry) =>
        existsSync(join(modulesDir, entry, 'modules.dep')),
      );
      const release = releases[0];
      if (releases.length !== 1 || !release) {
        throw new KernelUnavailableError(
          `--kernel ${spec.text}: ${modulesDir} must hold exactly one <release>/modules.dep (run depmod)`,
        );
      }
      return { release, vmlinuz: spec.vmlinuz, modulesDir, source: spec.text };
    }
  }
}

/** Remove cached kernels by release, or all of them. */
export async function removeCachedKernels(releases: string[] | 'all'): Promise<string[]> {
  const removed: string[] = [];
  for (const kernel of await listCachedKernels()) {
    if (releases === 'all' || releases.includes(kernel.release) || releases.includes(kernel.source)) {
      if (kernel.cacheDir) await rm(kernel.cacheDir, { recursive: true, force: true });
      removed.push(kernel.release);
    }
  }
  return removed;
}
