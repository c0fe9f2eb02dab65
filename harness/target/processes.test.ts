import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { alive, ownedTempDir, ownedTempDirs, removeOwnedDir } from './processes.js';

describe('owned temporary directories', () => {
  it('are named bondlab-<kind>-<pid>-*, private to their owner, and listed with that pid', async () => {
    const dir = await ownedTempDir('unittest');
    try {
      expect(basename(dir)).toMatch(new RegExp(`^bondlab-unittest-${process.pid}-`));
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(await ownedTempDirs()).toContainEqual({ path: dir, kind: 'unittest', pid: process.pid });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(ownedTempDir('Bad-Kind')).rejects.toThrow(/lowercase letters and digits/);
  });

  it('ignores names without an owner pid', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bondlab-unittest-root-'));
    try {
      await Promise.all(
        ['bondlab-vm-Xy12Ab', 'bondlab-engine-77-abc', 'other-vm-77-abc'].map((name) =>
          execa('mkdir', [join(root, name)]),
        ),
      );
      await writeFile(join(root, 'bondlab-vm-78-file'), '');
      expect(await ownedTempDirs(root)).toEqual([
        { path: join(root, 'bondlab-engine-77-abc'), kind: 'engine', pid: 77 },
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("kills what a dead owner's pid file names only when that process mentions the directory, then removes it", async () => {
    const dir = await ownedTempDir('unittest');
    // A stand-in for qemu: its command line names the directory, as qemu's -pidfile and sockets do.
    await writeFile(join(dir, 'console.log'), '');
    const ours = execa('tail', ['-f', join(dir, 'console.log')], { reject: false });
    // A process that merely has the pid written down (a reused pid): never killed.
    const stranger = execa('sleep', ['60'], { reject: false });
    await writeFile(join(dir, 'qemu.pid'), `${ours.pid}\n`);
    await writeFile(join(dir, 'other.pid'), `${stranger.pid}\n`);
    try {
      expect(await removeOwnedDir(dir)).toEqual([ours.pid]);
      expect((await ours).signal).toBe('SIGKILL');
      expect(alive(stranger.pid ?? 0)).toBe(true);
      expect(() => statSync(dir)).toThrow(/ENOENT/);
    } finally {
      stranger.kill('SIGKILL');
      await stranger;
    }
  });
});
