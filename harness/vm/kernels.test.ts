import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KernelSpecError,
  fetchDirs,
  listCachedKernels,
  parseKernelSpec,
  removeCachedKernels,
  resolveKernel,
} from './kernels.js';

describe('kernel specs', () => {
  it('reads suites, exact releases, host and paths', () => {
    expect(parseKernelSpec('debian:trixie')).toMatchObject({ kind: 'debian-suite', suite: 'trixie' });
    expect(parseKernelSpec('debian:6.1.0-56-amd64')).toMatchObject({
      kind: 'debian-package',
      release: '6.1.0-56-amd64',
    });
    expect(parseKernelSpec('debian:linux-image-6.12.57+deb13-amd64=6.12.57-1')).toMatchObject({
      kind: 'debian-package',
      release: '6.12.57+deb13-amd64',
      version: '6.12.57-1',
    });
    expect(parseKernelSpec('host')).toMatchObject({ kind: 'host' });
    expect(parseKernelSpec('/k/vmlinuz:/k/modules')).toMatchObject({
      kind: 'path',
      vmlinuz: '/k/vmlinuz',
      modules: '/k/modules',
    });
  });

  it('rejects what it cannot read, as a usage error that lists the forms', () => {
    expect(() => parseKernelSpec('debian:potato')).toThrow(KernelSpecError);
    expect(() => parseKernelSpec('linux-6.1')).toThrow(/expected debian:<suite>/);
  });
});

describe('kernel cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-cache-test-'));
    process.env.BONDLAB_CACHE_DIR = dir;
  });
  afterEach(async () => {
    delete process.env.BONDLAB_CACHE_DIR;
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeKernel(release: string): Promise<void> {
    const kdir = join(dir, 'kernels', release);
    await mkdir(join(kdir, 'lib', 'modules', release), { recursive: true });
    await writeFile(join(kdir, 'vmlinuz'), 'x');
    await writeFile(
      join(kdir, 'kernel.json'),
      JSON.stringify({
        release,
        vmlinuz: join(kdir, 'vmlinuz'),
        modulesDir: join(kdir, 'lib', 'modules'),
        source: `debian:${release}`,
        packageVersion: '1',
        cacheDir: kdir,
      }),
    );
  }

  it('lists, reuses and removes cached kernels without touching the network', async () => {
    await fakeKernel('6.1.0-9-amd64');
    await fakeKernel('6.12.1+deb13-amd64');
    expect((await listCachedKernels()).map((k) => k.release)).toEqual(['6.12.1+deb13-amd64', '6.1.0-9-amd64']);
    const reused = await resolveKernel('debian:6.1.0-9-amd64');
    expect(reused.cacheDir).toBe(join(dir, 'kernels', '6.1.0-9-amd64'));
    expect(await removeCachedKernels(['6.1.0-9-amd64'])).toEqual(['6.1.0-9-amd64']);
    expect((await listCachedKernels()).map((k) => k.release)).toEqual(['6.12.1+deb13-amd64']);
  });

  it('finds half-done fetches by the pid in their name, for cleanup', async () => {
    for (const name of ['.fetch-6.12.1+deb13-amd64-4242-Ab12Cd', '.fetch-6.1.0-9-amd64-Ab12Cd', '6.1.0-9-amd64']) {
      await mkdir(join(dir, 'kernels', name), { recursive: true });
    }
    expect(await fetchDirs()).toEqual([
      { path: join(dir, 'kernels', '.fetch-6.12.1+deb13-amd64-4242-Ab12Cd'), pid: 4242 },
    ]);
  });

  it("finds a killed tool fetch's directory too (bondlab tools fetch network-manager)", async () => {
    await mkdir(join(dir, 'tools', '.fetch-network-manager-5151-Xy34Zw'), { recursive: true });
    await mkdir(join(dir, 'tools', 'network-manager'), { recursive: true });
    expect(await fetchDirs()).toContainEqual({
      path: join(dir, 'tools', '.fetch-network-manager-5151-Xy34Zw'),
      pid: 5151,
    });
    expect((await fetchDirs()).map((d) => d.path)).not.toContain(join(dir, 'tools', 'network-manager'));
  });

  it('checks a user-built kernel before anything boots', async () => {
    await expect(resolveKernel(`${dir}/nope/vmlinuz:${dir}/mods`)).rejects.toThrow(/does not exist/);
    await writeFile(join(dir, 'vmlinuz'), 'x');
    await mkdir(join(dir, 'mods', '6.9.0'), { recursive: true });
    await expect(resolveKernel(`${dir}/vmlinuz:${dir}/mods`)).rejects.toThrow(/run depmod/);
    await writeFile(join(dir, 'mods', '6.9.0', 'modules.dep'), '');
    await expect(resolveKernel(`${dir}/vmlinuz:${dir}/mods`)).resolves.toMatchObject({ release: '6.9.0' });
  });
});
