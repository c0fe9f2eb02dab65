import { alive } from '../target/processes.js';
import type { Target } from '../target/target.js';
import { NETNS_PREFIX, ownerPid } from './names.js';
import { teardownNamespaces } from './topology.js';

/**
 * Remove what killed runs left: bondlab's namespaces whose creating process is gone (deleting a
 * namespace removes the links in it). Namespaces of live runs, and `bondlab-` names whose owner
 * cannot be read back (not made by this bondlab), are left alone unless `all` is given.
 */
export async function cleanupNamespaces(target: Target, options: { all?: boolean } = {}): Promise<string[]> {
  const listed = await target.exec(['ip', 'netns', 'list']);
  const names = listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX));
  const stale = names.filter((name) => {
    const pid = ownerPid(name);
    return options.all || (pid !== undefined && !alive(pid));
  });
  if (stale.length) await teardownNamespaces(target, stale);
  return stale;
}
