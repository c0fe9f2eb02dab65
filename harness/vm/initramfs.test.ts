import { describe, expect, it } from 'vitest';
import { UNUSED_INITRAMFS_MS, moduleLevels, moduleName, resolveBootModules, staleInitramfs } from './initramfs.js';
import { payloadOf } from './boot-image.js';

const modulesDep = `kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/overlayfs/overlay.ko:
kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/bonding/bonding.ko: kernel/net/tls/tls.ko
`;

describe('initramfs module resolution', () => {
  it('orders every module after its dependencies and loads each once', () => {
    const order = resolveBootModules(modulesDep, '');
    expect(new Set(order).size).toBe(order.length);
    for (const [index, module] of order.entries()) {
      const line = modulesDep.split('\n').find((l) => l.startsWith(`${module}:`)) ?? '';
      for (const dep of line.split(':')[1]?.trim().split(/\s+/).filter(Boolean) ?? []) {
        expect(order.indexOf(dep), `${dep} before ${module}`).toBeLessThan(index);
      }
    }
    expect(order.map(moduleName)).toEqual(
      expect.arrayContaining(['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay']),
    );
    expect(order.map(moduleName)).not.toContain('bonding');
  });

  it('groups the modules in levels that need only earlier levels, each module once', () => {
    const order = resolveBootModules(modulesDep, '');
    const levels = moduleLevels(order, modulesDep);
    expect(levels.flat().sort()).toEqual([...order].sort());
    const levelOf = new Map(levels.flatMap((level, at) => level.map((module) => [module, at] as const)));
    for (const module of order) {
      const line = modulesDep.split('\n').find((l) => l.startsWith(`${module}:`)) ?? '';
      for (const dep of line.split(':')[1]?.trim().split(/\s+/).filter(Boolean) ?? []) {
        expect(levelOf.get(dep), `${dep} below ${module}`).toBeLessThan(levelOf.get(module) ?? -1);
      }
    }
    expect(levels.map((level) => level.map(moduleName).sort())).toEqual([
      ['9pnet', 'netfs', 'overlay', 'virtio', 'virtio_ring'],
      ['9pnet_virtio', 'fscache', 'virtio_console', 'virtio_pci'],
      ['9p'],
    ]);
  });

  it('leaves out modules built into the kernel', () => {
    const dep = modulesDep.replace(/^kernel\/fs\/overlayfs.*\n/m, '');
    const order = resolveBootModules(dep, 'kernel/fs/overlayfs/overlay.ko\n');
    expect(order.map(moduleName)).not.toContain('overlay');
  });

  it('fails naming a module that is neither built in nor a file', () => {
    const dep = modulesDep.replace(/^kernel\/fs\/overlayfs.*\n/m, '');
    expect(() => resolveBootModules(dep, '')).toThrow(/module overlay is neither built in nor in modules.dep/);
  });

  it('names modules as the kernel does, whatever their compression', () => {
    expect(moduleName('kernel/net/9p/9pnet_virtio.ko.xz')).toBe('9pnet_virtio');
    expect(moduleName('kernel/drivers/net/foo-bar.ko.zst')).toBe('foo_bar');
  });
});

describe('stale initramfs images', () => {
  it('removes only images of other init scripts that went unused for a week', () => {
    const now = 10 * UNUSED_INITRAMFS_MS;
    const images = [
      { name: 'initramfs-current.cpio', mtimeMs: 0 },
      { name: 'initramfs-old.cpio', mtimeMs: now - UNUSED_INITRAMFS_MS - 1 },
      // Another bondlab version booted it an hour ago: it may be about to boot it again.
      { name: 'initramfs-other.cpio', mtimeMs: now - 3600_000 },
      { name: 'initramfs-old.cpio.partial-123', mtimeMs: 0 },
      { name: 'vmlinux.pvh', mtimeMs: 0 },
    ];
    expect(staleInitramfs(images, 'initramfs-current.cpio', now)).toEqual(['initramfs-old.cpio']);
  });
});

describe('bzImage payload', () => {
  it('finds the compressed kernel through the setup header', () => {
    const image = Buffer.alloc(4096);
    image.write('HdrS', 0x202, 'latin1');
    image.writeUInt8(3, 0x1f1);
    image.writeUInt32LE(100, 0x248);
    image.writeUInt32LE(6, 0x24c);
    Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]).copy(image, 4 * 512 + 100);
    expect(payloadOf(image)?.toString('hex')).toBe('fd377a585a00');
  });

  it('refuses what is not a bzImage', () => {
    expect(payloadOf(Buffer.alloc(4096))).toBeUndefined();
  });
});
