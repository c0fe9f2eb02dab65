import { alive } from '../target/processes.js';
import type { Target } from '../target/target.js';
import { NETNS_PREFIX, ownerPid } from './names.js';
import { teardownNamespaces } from './topology.js';

/**
 * Remove what killed runs left: bondlab's namespaces whose creating process is gone (deleting a
 * namespace removes the links in it). Namespaces of live runs, and `bondlab-` names whose owner
 * cannot be read back (not made by this bondlab), are left alone unless `all` is given.
 */
export async function cleanupNamespaces(
  target: Target,
  options: {
    all?: boolean;
    /** Whether the owner lives, asked after the namespaces are listed; this machine's processes by default. */
    alive?: (pid: number) => boolean | Promise<boolean>;
  } = {},
): Promise<string[]> {
  const listed = await target.exec(['ip', 'netns', 'list']);
  const names = listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX));
  const lives = options.alive ?? alive;
  const stale: string[] = [];
  for (const name of names) {
    const pid = ownerPid(name);
    if (options.all || (pid !== undefined && !(await lives(pid)))) stale.push(name);
  }
  if (stale.length) await teardownNamespaces(target, stale);
  return stale;
}
