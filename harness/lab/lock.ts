/**
 * A lab is one machine: one run (and one worker of it) uses its NICs at a time. The lock is
 * flock(1) on the machine under test, in a root-only directory, held by a shell bondlab starts
 * there. It is released when bondlab lets go, and by the kernel when bondlab or that shell dies
 * (also by SIGKILL: the shell's stdin closes), so it never goes stale.
 */
import { onTeardown } from '../target/teardown.js';
import type { Target } from '../target/target.js';
import type { Lab } from './lab.js';

/** tmpfs: a lock must not outlive a reboot. */
export const LAB_LOCK_DIR = '/run/bondlab';

export interface LabLock {
  release(): Promise<void>;
}

/**
 * $1: the directory, $2: who holds it (for the message of whoever waits). Prints "busy <holder>"
 * before it waits, then "locked". cat holds the shell until stdin closes; cat itself does not
 * hold the lock's descriptor, so killing the shell releases it.
 */
const LOCK_SCRIPT = `set -e
umask 077
mkdir -p "$1"
chmod 0700 "$1"
exec 9>>"$1/lab.lock"
if ! flock -n 9; then
  echo "busy $(cat "$1/lab.holder" 2>/dev/null || echo 'another run')"
  flock 9
fi
printf '%s\\n' "$2" > "$1/lab.holder"
echo locked
cat >/dev/null 9>&-
`;

export interface LabLockOptions {
  /** Who takes it, as a waiting run is told. */
  holder: string;
  /** Called once when the lab is held by another run, before waiting for it. */
  onWait?: (heldBy: string) => void;
  dir?: string;
}

/** Take the lab machine's lock, waiting as long as another run holds it. */
export async function lockLab(target: Target, options: LabLockOptions): Promise<LabLock> {
  const shell = await target.spawn([
    'sh',
    '-c',
    LOCK_SCRIPT,
    'bondlab-lab-lock',
    options.dir ?? LAB_LOCK_DIR,
    options.holder,
  ]);
  const release = async () => {
    await shell.write('', true).catch(() => undefined);
    await shell.kill('SIGKILL').catch(() => undefined);
    await shell.exited;
  };
  // Ctrl-C while waiting ends the wait; while held, it releases the lab after the run's teardown.
  const unregister = onTeardown('lab lock', release);
  let stderr = '';
  shell.onStderr((chunk) => (stderr += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      shell.onStdout((chunk) => {
        buffered += chunk;
        for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line === 'locked') resolve();
          else if (line.startsWith('busy ')) options.onWait?.(line.slice(5));
        }
      });
      void shell.exited.then((result) =>
        reject(new Error(`the lab lock could not be taken (exit ${result.exitCode}): ${stderr.trim()}`)),
      );
    });
  } catch (error) {
    await unregister();
    throw error;
  }
  return { release: unregister };
}

/** The lock a run takes on its lab, and what it says while another run holds it. */
export function labLockOptions(lab: Lab, runId: string, log?: (line: string) => void): LabLockOptions {
  return {
    holder: `bondlab run ${runId} (pid ${process.pid}, lab ${lab.file}, since ${new Date().toISOString()})`,
    onWait: (heldBy) => log?.(`the lab machine of ${lab.file} is in use by ${heldBy}; waiting for it`),
  };
}
