import { readdir, readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** utime + stime in ticks, the parent pid and the command name of a /proc/<pid>[/task/<tid>]/stat. */
export async function procStat(path: string): Promise<{ comm: string; ppid: number; ticks: number } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  // The command may hold spaces and parentheses: the fields after it start at its last ')'.
  const end = text.lastIndexOf(')');
  const fields = text.slice(end + 2).split(' ');
  return {
    comm: text.slice(text.indexOf('(') + 1, end),
    ppid: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

/**
 * CPU time (user and system, all threads) of this process's qemu children so far: the work a VM
 * did, which other programs' load on a shared machine barely changes, unlike its wall time.
 */
export async function qemuCpuMs(): Promise<number> {
  const tick = 1000 / Number((await execa('getconf', ['CLK_TCK'])).stdout);
  let total = 0;
  for (const pid of await readdir('/proc')) {
    const stat = await procStat(`/proc/${pid}/stat`);
    if (!stat?.comm.startsWith('qemu-system') || stat.ppid !== process.pid) continue;
    total += stat.ticks * tick;
  }
  return Math.round(total);
}
