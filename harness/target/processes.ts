import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a process of this machine still runs: a killed run's leftovers are those of dead pids. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Every temporary directory a run makes is `<tmpdir>/bondlab-<kind>-<pid>-<random>` (mkdtemp: mode
 * 0700, so no other local user can use it), <pid> being the process that owns it: `bondlab
 * cleanup` finds a killed run's directories by that name alone, and leaves a live run's alone.
 */
const OWNED_DIR = /^bondlab-([a-z0-9]+)-(\d+)-[^/]+$/;

/** Files named `*.pid` inside an owned directory hold the pid of a process the run started there (qemu). */
const PID_FILE = /\.pid$/;

export async function ownedTempDir(kind: string): Promise<string> {
  if (!/^[a-z0-9]+$/.test(kind))
    throw new Error(`a temporary directory kind is lowercase letters and digits, not "${kind}"`);
  return await mkdtemp(join(tmpdir(), `bondlab-${kind}-${process.pid}-`));
}

export interface OwnedDir {
  path: string;
  kind: string;
  pid: number;
}

/** bondlab's temporary directories in the temp dir, with the pid that owns each. */
export async function ownedTempDirs(root = tmpdir()): Promise<OwnedDir[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.flatMap((entry) => {
    const match = entry.isDirectory() ? OWNED_DIR.exec(entry.name) : null;
    return match?.[1] && match[2] ? [{ path: join(root, entry.name), kind: match[1], pid: Number(match[2]) }] : [];
  });
}

/** A process's command line as one string, or undefined when it is gone or not readable. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/**
 * Remove a dead owner's directory, first killing what its pid files name. Only a process whose
 * command line mentions the directory is killed: a pid reused by anything else is left alone.
 * Returns the pids killed.
 */
export async function removeOwnedDir(dir: string): Promise<number[]> {
  const killed: number[] = [];
  const names = await readdir(dir).catch(() => []);
  for (const name of names.filter((n) => PID_FILE.test(n))) {
    const pid = Number.parseInt(await readFile(join(dir, name), 'utf8').catch(() => ''), 10);
    if (!Number.isSafeInteger(pid) || pid <= 1 || !commandLine(pid)?.includes(dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // It went by itself in between.
    }
  }
  // A killed process still holds files open for a moment; rm does not mind.
  await rm(dir, { recursive: true, force: true });
  return killed;
}
