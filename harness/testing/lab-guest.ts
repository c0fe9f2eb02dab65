/** For the VM tests of the emulated NIC lab: the guest's NIC state to compare, and its management NIC set up as on a server. */
import { run, type Target } from '../target/target.js';

/** The emulated lab's management NIC (vm/emulated-nics.ts): no lab lists it. */
export const MGMT_MAC = '52:54:00:b1:ff:00';

/** The guest's root namespace as `ip -j` shows it (every link, address and route), and every PCI NIC's `ethtool -k`. */
export async function nicSnapshot(target: Target): Promise<string> {
  const script =
    'ip -j link show; ip -j addr show; ip -j route show; ip -j -6 route show; for d in /sys/class/net/*/device; do n=${d%/device}; ethtool -k ${n##*/}; done';
  return (await run(target, ['sh', '-c', script])).stdout;
}

/**
 * The management NIC as on a real server: up, 192.0.2.2/24, the default route. Without duplicate
 * address detection its link-local address is final at once, so snapshots compare NIC state only.
 * Returns its name.
 */
export async function addressManagementNic(target: Target): Promise<string> {
  const links = JSON.parse((await run(target, ['ip', '-j', 'link', 'show'])).stdout) as {
    ifname: string;
    address: string;
  }[];
  const mgmt = links.find((l) => l.address === MGMT_MAC)?.ifname;
  if (!mgmt) throw new Error(`no management NIC (${MGMT_MAC}) in the guest`);
  await run(target, [
    'sh',
    '-c',
    `echo 0 > /proc/sys/net/ipv6/conf/${mgmt}/accept_dad && ip link set ${mgmt} up && ip addr add 192.0.2.2/24 dev ${mgmt} && ip route add default via 192.0.2.1`,
  ]);
  return mgmt;
}
