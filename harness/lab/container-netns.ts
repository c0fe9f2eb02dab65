/**
 * A lab's NICs lent to a container: they leave the engine machine's root namespace for the
 * container's network namespace, and come back to it. Shared by the live run (container.ts) and
 * the journal's restore after a killed run (journal.ts).
 */
import { run, type Target } from '../target/target.js';
import type { IpLink } from './nics.js';
import { permanentMac } from './nics.js';

/** The container a run lent its NICs to, as the journal records it. */
export interface LentTo {
  /** The container's full id: its process is checked against it before anything is done to it. */
  id: string;
  /** Its first process on the engine machine (docker inspect's State.Pid): the namespace is that process's. */
  pid: number;
}

/**
 * Whether `pid` on the engine machine is still the container's own process (a pid of a container
 * gone may have been reused by anything else since).
 */
export async function containerProcessAlive(machine: Target, container: LentTo): Promise<boolean> {
  const result = await machine.exec(['grep', '-q', container.id, `/proc/${container.pid}/cgroup`]);
  return result.exitCode === 0;
}

/**
 * The NICs (by permanent MAC) that are still in the container's own namespace, moved back to the
 * root namespace (the network namespace of the engine machine's pid 1). NICs a case moved on into
 * its own namespaces come back by themselves when those are deleted. Returns the names moved.
 */
export async function returnFromContainer(machine: Target, container: LentTo, macs: string[]): Promise<string[]> {
  if (!(await containerProcessAlive(machine, container))) return [];
  const inside = ['nsenter', '-t', String(container.pid), '-n'];
  const links = JSON.parse(
    (await run(machine, [...inside, 'ip', '-j', '-d', 'link', 'show'])).stdout || '[]',
  ) as IpLink[];
  const lent = links.filter((link) => macs.includes(permanentMac(link)));
  for (const link of lent) await run(machine, [...inside, 'ip', 'link', 'set', 'dev', link.ifname, 'netns', '1']);
  return lent.map((link) => link.ifname);
}

/**
 * After a killed run whose container still runs (an engine bondlab cleanup could not reach): its
 * first process is killed, which ends the container and with it every namespace in it, so that
 * the kernel hands the NICs back to the root namespace. Only when that process is still the
 * container's.
 */
export async function stopLentContainer(machine: Target, container: LentTo): Promise<boolean> {
  if (!(await containerProcessAlive(machine, container))) return false;
  await machine.exec(['kill', '-KILL', String(container.pid)]);
  return true;
}
