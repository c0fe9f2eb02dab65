import { readdir, readFile } from 'node:fs/promises';
import { execa } from 'execa';

/**
 * CPU time (user and system, all threads) of this process's qemu children so far: the work a VM
 * did, which other programs' load on a shared machine barely changes, unlike its wall time.
 */
export async function qemuCpuMs(): Promise<number> {
  const tick = 1000 / Number((await execa('getconf', ['CLK_TCK'])).stdout);
  let total = 0;
  for (const pid of await readdir('/proc')) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // The command may hold spaces and parentheses: the fields after it start at its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!stat.includes('(qemu-system') || Number(fields[1]) !== process.pid) continue;
    total += (Number(fields[11]) + Number(fields[12])) * tick;
  }
  return Math.round(total);
}
