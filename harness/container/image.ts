/**
 * bondlab's target image: Debian with iproute2, iperf3, ethtool, ifenslave, tcpdump and Node. Built offline
 * with debootstrap from Debian's archive (no image registry needed, as on air-gapped lab runners),
 * kept as a root filesystem tarball in the cache, and imported into an engine when a run needs it.
 * With a registry, fixtures/container/Dockerfile builds the same image.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { DockerEngine } from './docker-engine.js';
import { run } from '../target/target.js';
import { cacheDir } from '../vm/paths.js';

export const IMAGE_REPOSITORY = 'bondlab-target';
export const IMAGE_LABEL = 'org.bondlab.image';
/** Bump when the package list or the layout changes: old tarballs are then rebuilt. */
export const IMAGE_TAG = 'bookworm-2';
export const DEFAULT_IMAGE = `${IMAGE_REPOSITORY}:${IMAGE_TAG}`;

export const IMAGE_PACKAGES = [
  'iproute2',
  'iperf3',
  'ethtool',
  'ifenslave',
  'kmod',
  'procps',
  'iputils-ping',
  'nodejs',
  // run --capture: the packets of each failover.
  'tcpdump',
];

export function imageDir(): string {
  return join(cacheDir(), 'images');
}

export function tarballPath(tag = IMAGE_TAG): string {
  return join(imageDir(), `${IMAGE_REPOSITORY}-${tag}.tar`);
}

/** The image store of bondlab's VM engine, holding this image (see container/engine.ts). */
export function storePath(tag = IMAGE_TAG): string {
  return join(cacheDir(), 'engines', `docker-store-${tag}.img`);
}

export interface BuildOptions {
  mirror?: string;
  suite?: string;
  log?: (line: string) => void;
  /** Build again even when the tarball is cached. */
  force?: boolean;
}

/** The mirror the machine's own apt uses, so that a lab's local mirror is used here too. */
async function aptMirror(): Promise<string> {
  const sources = await execa('apt-get', ['indextargets', '--format', '$(REPO_URI)'], { reject: false });
  const debian = sources.stdout.split('\n').find((uri) => /\/debian\/?$/.test(uri));
  return debian ?? 'http://deb.debian.org/debian';
}

/** debootstrap a minimal Debian with the target's packages and pack it as a tarball. */
export async function buildImageTarball(
  options: BuildOptions = {},
): Promise<{ path: string; built: boolean; seconds: number }> {
  const path = tarballPath();
  if (existsSync(path) && !options.force) return { path, built: false, seconds: 0 };
  const found = await execa('debootstrap', ['--version'], { reject: false });
  if (found.failed) throw new Error('debootstrap is not installed: apt-get install debootstrap');
  if (process.getuid?.() !== 0) throw new Error('building the image with debootstrap needs root');
  const log = options.log ?? (() => undefined);
  const start = performance.now();
  await mkdir(imageDir(), { recursive: true });
  const root = await mkdtemp(join(imageDir(), 'rootfs-'));
  try {
    const mirror = options.mirror ?? (await aptMirror());
    log(`debootstrap ${options.suite ?? 'bookworm'} from ${mirror} with ${IMAGE_PACKAGES.join(', ')}`);
    const bootstrap = execa(
      'debootstrap',
      [
        '--variant=minbase',
        `--include=${IMAGE_PACKAGES.join(',')}`,
        '--keyring=/usr/share/keyrings/debian-archive-keyring.gpg',
        options.suite ?? 'bookworm',
        root,
        mirror,
      ],
      { all: true, reject: false },
    );
    // One line per stage, not one per package.
    const perPackage = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) \S+( \S+)?$/;
    bootstrap.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.startsWith('I: ') && !perPackage.test(line)) log(line.slice(3));
    });
    const result = await bootstrap;
    if (result.exitCode !== 0)
      throw new Error(
        `debootstrap failed (exit ${result.exitCode}):\n${String(result.all ?? '')
          .split('\n')
          .slice(-15)
          .join('\n')}`,
      );
    // Package caches and lists are of no use in a test image and double its size.
    await execa('sh', [
      '-ec',
      `cd ${root} && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/doc usr/share/man usr/share/locale`,
    ]);
    const partial = `${path}.partial`;
    await execa('tar', ['--numeric-owner', '-C', root, '-cf', partial, '.']);
    await execa('mv', [partial, path]);
    // A store made from the old tarball would serve the old image.
    await rm(storePath(), { force: true });
    log(`image tarball ${path} (${((await stat(path)).size / 1e6).toFixed(0)} MB)`);
    return { path, built: true, seconds: (performance.now() - start) / 1000 };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface EngineImage {
  name: string;
  id: string;
  sizeMb: number;
  created: string;
}

export async function listEngineImages(engine: DockerEngine): Promise<EngineImage[]> {
  const images = await engine.docker.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) });
  return images.flatMap((image) =>
    (image.RepoTags ?? ['<none>']).map((name) => ({
      name,
      id: image.Id.replace(/^sha256:/, '').slice(0, 12),
      sizeMb: Math.round(image.Size / 1e6),
      created: new Date(image.Created * 1000).toISOString(),
    })),
  );
}

export async function listTarballs(): Promise<{ path: string; sizeMb: number }[]> {
  const names = await readdir(imageDir()).catch(() => []);
  return Promise.all(
    names
      .filter((name) => name.endsWith('.tar'))
      .map(async (name) => ({
        path: join(imageDir(), name),
        sizeMb: Math.round((await stat(join(imageDir(), name))).size / 1e6),
      })),
  );
}

const CHANGES = [`LABEL ${IMAGE_LABEL}=target`, 'CMD ["sleep", "infinity"]'];

/**
 * Make sure the engine has the image: import the cached tarball when it lacks it. An engine in
 * bondlab's VM reads the tarball from the host's filesystem itself (the guest sees it read-only),
 * which is much faster than streaming it through the forwarded port.
 */
export async function hasImage(engine: DockerEngine, image: string): Promise<boolean> {
  return await engine.docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

export async function ensureImage(
  engine: DockerEngine,
  image = DEFAULT_IMAGE,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  if (await hasImage(engine, image)) return;
  if (image !== DEFAULT_IMAGE)
    throw new Error(`image ${image} is not in the engine at ${engine.host}: build or pull it there first`);
  const tarball = tarballPath();
  if (!existsSync(tarball))
    throw new Error(
      `image ${image} is not in the engine and ${tarball} does not exist: run "bondlab image build" first`,
    );
  log(`importing ${tarball} as ${image}`);
  if (engine.vm) {
    await run(engine.vm, [
      'docker',
      '-H',
      'unix:///run/docker.sock',
      'import',
      ...CHANGES.flatMap((change) => ['--change', change]),
      tarball,
      image,
    ]);
    return;
  }
  const [repo, tag] = image.split(':');
  const stream = await engine.docker.importImage(createReadStream(tarball), {
    repo,
    tag,
    changes: CHANGES,
  } as unknown as Record<string, string>);
  await new Promise<void>((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

export async function removeImage(engine: DockerEngine, image: string): Promise<void> {
  await engine.docker.getImage(image).remove({ force: true });
}
