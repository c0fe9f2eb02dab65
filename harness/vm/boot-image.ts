/**
 * Under TCG, decompressing a bzImage costs seconds of emulated CPU. A kernel built with PVH
 * boots from its uncompressed ELF directly, so bondlab unpacks it once and caches it.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import type { Kernel } from './kernels.js';

const COMPRESSORS = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ['xz', '-dcq'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), argv: ['zstd', '-dcq'] },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), argv: [] },
] as const;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** The Xen ELF note type that marks a PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY). */
function hasPvhNote(elf: Buffer): boolean {
  const marker = Buffer.from('Xen\0');
  for (let at = elf.indexOf(marker); at !== -1; at = elf.indexOf(marker, at + 1)) {
    // An ELF note is namesz, descsz, type, then the name: the type sits 4 bytes before the name.
    if (at >= 12 && elf.readUInt32LE(at - 12) === 4 && elf.readUInt32LE(at - 4) === 18) return true;
  }
  return false;
}

/** The compressed kernel inside a bzImage, located through the boot protocol's setup header. */
export function payloadOf(bzImage: Buffer): Buffer | undefined {
  if (bzImage.length < 0x250 || bzImage.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const setupSects = bzImage.readUInt8(0x1f1) || 4;
  const start = (setupSects + 1) * 512 + bzImage.readUInt32LE(0x248);
  const end = start + bzImage.readUInt32LE(0x24c);
  return end <= bzImage.length ? bzImage.subarray(start, end) : undefined;
}

async function decompressPayload(bzImage: Buffer): Promise<Buffer | undefined> {
  const payload = payloadOf(bzImage);
  if (!payload) return undefined;
  const compressor = COMPRESSORS.find(({ magic }) => payload.subarray(0, magic.length).equals(magic));
  if (!compressor) return undefined;
  const [file, ...args] = compressor.argv;
  const out = file
    ? Buffer.from(
        (await execa(file, args, { input: payload, encoding: 'buffer', reject: false, stripFinalNewline: false }))
          .stdout,
      )
    : gunzipSync(payload, { finishFlush: 2 });
  return out.subarray(0, 4).equals(ELF_MAGIC) ? out : undefined;
}

/** The image to pass to -kernel: a cached PVH vmlinux when the kernel allows it, else its bzImage. */
export async function bootImage(kernel: Kernel): Promise<{ path: string; pvh: boolean }> {
  if (!kernel.cacheDir) return { path: kernel.vmlinuz, pvh: false };
  const vmlinux = join(dirname(kernel.vmlinuz), 'vmlinux.pvh');
  const marker = join(dirname(kernel.vmlinuz), 'vmlinux.none');
  if (existsSync(vmlinux)) return { path: vmlinux, pvh: true };
  if (existsSync(marker)) return { path: kernel.vmlinuz, pvh: false };
  const elf = await decompressPayload(await readFile(kernel.vmlinuz));
  if (!elf || !hasPvhNote(elf)) {
    await writeFile(marker, 'no PVH entry point: boots as bzImage\n');
    return { path: kernel.vmlinuz, pvh: false };
  }
  await writeFile(`${vmlinux}.partial`, elf);
  await rename(`${vmlinux}.partial`, vmlinux);
  return { path: vmlinux, pvh: true };
}
