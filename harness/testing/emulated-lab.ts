/**
 * For VM tests on the emulated NIC lab: the management NIC set up as on a real machine, the
 * guest's network state to compare before and after a run, and a lab file that names the
 * emulated NICs as real ones (for a bondlab run inside the guest, which outlives a killed run).
 */
import type { Lab, NicRef } from '../lab/lab.js';
import { loadLabFile } from '../lab/load.js';
import { run, type Target } from '../target/target.js';

/** A lab file that must load. */
export async function labOf(file: string): Promise<Lab> {
  const loaded = await loadLabFile(file);
  if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
  return loaded.lab;
}

/** The management NIC of every emulated lab (harness/vm/emulated-nics.ts); no lab lists it. */
export const MGMT_MAC = '52:54:00:b1:ff:00';

/** The root namespace as `ip -j` shows it (every link, address and route), and every PCI NIC's `ethtool -k`. */
export async function networkSnapshot(target: Target): Promise<string> {
  const script =
    'ip -j link show; ip -j addr show; ip -j route show; ip -j -6 route show; for d in /sys/class/net/*/device; do n=${d%/device}; ethtool -k ${n##*/}; done';
  return (await run(target, ['sh', '-c', script])).stdout;
}

/**
 * The management NIC as on a real machine: up, addressed, the default route. Without duplicate
 * address detection its link-local address is final at once, so snapshots compare NIC state only.
 */
export async function setUpManagementNic(target: Target, name: string): Promise<void> {
  await run(target, [
    'sh',
    '-c',
    `echo 0 > /proc/sys/net/ipv6/conf/${name}/accept_dad && ip link set ${name} up && ip addr add 192.0.2.2/24 dev ${name} && ip route add default via 192.0.2.1`,
  ]);
}

/** Finds the management NIC by its MAC and sets it up as on a real machine; returns its name. */
export async function addressManagementNic(target: Target): Promise<string> {
  const links = JSON.parse((await run(target, ['ip', '-j', 'link', 'show'])).stdout) as {
    ifname: string;
    address: string;
  }[];
  const mgmt = links.find((l) => l.address === MGMT_MAC)?.ifname;
  if (!mgmt) throw new Error(`no management NIC (${MGMT_MAC}) in the guest`);
  await setUpManagementNic(target, mgmt);
  return mgmt;
}

/** A run's lab journal on the target, if it is still there (empty when not). */
export async function journalLeft(target: Target, runId: string): Promise<string> {
  return (await run(target, ['sh', '-c', `ls /var/lib/bondlab/lab/${runId}.json 2>/dev/null; true`])).stdout;
}

/**
 * A lab file naming an emulated two-cable lab's NICs as real ones, by permanent MAC, cable 1 as
 * slave0: on the CI lab that makes the e1000e, which trains after its enslave, slave0, and the
 * virtio-net, which keeps carrier while down, slave1. The build enslaves one NIC at a time, slave0
 * up in the bond before slave1 joins, so slave0 is still the first active slave; in-guest runs on
 * this file prove that ordering, runs on the lab itself the other.
 */
export function asRealLab(lab: Lab): string {
  const swapped = (list: NicRef[]) => [1, 0].flatMap((i) => list[i] ?? []);
  const nic = (indent: string, n: NicRef) => `${indent}- { label: ${n.label}, mac: "${n.mac ?? ''}" }`;
  return [
    'nics:',
    ...swapped(lab.nics).map((n) => nic('  ', n)),
    'far:',
    '  peer:',
    '    nics:',
    ...swapped(lab.far.kind === 'peer' ? lab.far.nics : []).map((n) => nic('      ', n)),
    '',
  ].join('\n');
}
