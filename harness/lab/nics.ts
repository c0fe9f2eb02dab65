/**
 * Finding a lab's NICs on a target and reading what a report and the journal need: identity by
 * permanent MAC or PCI address, driver, firmware, bus, speed, duplex (ethtool), and the state a
 * run changes (name, MAC, MTU, up/down, master, addresses, routes, features, sysctls).
 */
import { run, type Target } from '../target/target.js';
import type { NicRef } from './lab.js';

/** What `ip -j -d link` says of a link, as far as bondlab reads it. */
export interface IpLink {
  ifindex: number;
  ifname: string;
  address?: string;
  /** Only shown when it differs from `address` (an enslaved port has the bond's MAC). */
  permaddr?: string;
  flags: string[];
  mtu: number;
  master?: string;
  operstate?: string;
  /** `noop` on a NIC that has never been up: the kernel attaches its default qdisc at the first up. */
  qdisc?: string;
}

export interface IpAddress {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
}

/** A test NIC, a back-to-back peer's NIC, or a switch lab's NIC to the switch for the clients. */
export type NicRole = 'dut' | 'peer' | 'uplink';

/** A NIC's report facts: `ethtool -i`, `ethtool`, `ethtool -P`, `ip -j link`. */
export interface NicFacts {
  label: string;
  role: NicRole;
  name: string;
  permanentMac: string;
  driver: string;
  firmware: string;
  busAddress: string;
  speed: string;
  duplex: string;
  link: string;
}

/** Everything about a NIC that a run may change, as it was before; restore puts it back. */
export interface NicState {
  label: string;
  role: NicRole;
  permanentMac: string;
  ifindex: number;
  name: string;
  mac: string;
  mtu: number;
  up: boolean;
  master?: string;
  /** Addresses other than IPv6 link-local (the kernel makes those itself). */
  addresses: IpAddress[];
  routes: Record<string, unknown>[];
  /** `ethtool -k` features that are not fixed. */
  features: Record<string, 'on' | 'off'>;
  /** Per-device sysctls a move to another namespace resets. */
  sysctls: Record<string, string>;
  /** NetworkManager managed it and the lab released it: given back with `managed yes`. */
  released?: boolean;
  /** The root qdisc's kind (`noop`: never up since boot, which a probe's up/down would otherwise leave changed). */
  qdisc?: string;
}

export const permanentMac = (link: IpLink): string => (link.permaddr ?? link.address ?? '').toLowerCase();

export async function listLinks(target: Target, netns?: string): Promise<IpLink[]> {
  const result = await run(target, ['ip', '-j', '-d', 'link', 'show'], { netns });
  return JSON.parse(result.stdout || '[]') as IpLink[];
}

/** Each link's PCI address (the device's sysfs path ends in it, or in its parent for virtio). */
export async function pciAddresses(target: Target): Promise<Map<string, string>> {
  const script =
    'for d in /sys/class/net/*; do [ -e "$d/device" ] && echo "$(basename "$d") $(readlink -f "$d/device")"; done; true';
  const result = await run(target, ['sh', '-c', script]);
  const map = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [name, path] = line.split(' ');
    const pci = path
      ?.split('/')
      .reverse()
      .find((part) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(part));
    if (name && pci) map.set(name, pci);
  }
  return map;
}

export function findNic(ref: NicRef, links: IpLink[], pci: Map<string, string>): IpLink | undefined {
  return links.find((link) => (ref.mac ? permanentMac(link) === ref.mac : pci.get(link.ifname) === ref.pci));
}

function ethtoolField(text: string, field: string): string {
  return new RegExp(`^[ \\t]*${field}:[ \\t]*(.*)$`, 'mi').exec(text)?.[1]?.trim() ?? '';
}

export async function nicFacts(target: Target, label: string, role: NicFacts['role'], link: IpLink): Promise<NicFacts> {
  const [info, settings] = await Promise.all([
    target.exec(['ethtool', '-i', link.ifname]),
    target.exec(['ethtool', link.ifname]),
  ]);
  return {
    label,
    role,
    name: link.ifname,
    permanentMac: permanentMac(link),
    driver: ethtoolField(info.stdout, 'driver'),
    firmware: ethtoolField(info.stdout, 'firmware-version') || 'none',
    busAddress: ethtoolField(info.stdout, 'bus-info'),
    speed: ethtoolField(settings.stdout, 'Speed') || 'Unknown!',
    duplex: ethtoolField(settings.stdout, 'Duplex') || 'Unknown!',
    link: ethtoolField(settings.stdout, 'Link detected') || 'unknown',
  };
}

/** Sysctls of a device that a namespace move resets to the new namespace's defaults. */
export const DEVICE_SYSCTLS = [
  'ipv6/conf/{dev}/disable_ipv6',
  'ipv6/conf/{dev}/accept_ra',
  'ipv6/conf/{dev}/addr_gen_mode',
  'ipv4/conf/{dev}/arp_ignore',
  'ipv4/conf/{dev}/arp_announce',
  'ipv4/conf/{dev}/rp_filter',
];

export async function readNicState(
  target: Target,
  label: string,
  role: NicState['role'],
  link: IpLink,
  released: boolean,
): Promise<NicState> {
  const dev = link.ifname;
  const [addrs, routes, routes6, features, sysctls] = await Promise.all([
    run(target, ['ip', '-j', 'addr', 'show', 'dev', dev]),
    run(target, ['ip', '-j', 'route', 'show', 'dev', dev]),
    run(target, ['ip', '-j', '-6', 'route', 'show', 'dev', dev]),
    target.exec(['ethtool', '-k', dev]),
    run(target, [
      'sh',
      '-c',
      DEVICE_SYSCTLS.map((s) => `echo "$(cat /proc/sys/net/${s.replace('{dev}', dev)} 2>/dev/null)"`).join('; '),
    ]),
  ]);
  const info = (JSON.parse(addrs.stdout || '[]') as { addr_info?: IpAddress[] }[])[0]?.addr_info ?? [];
  const sysctlValues = sysctls.stdout.split('\n');
  return {
    label,
    role,
    permanentMac: permanentMac(link),
    ifindex: link.ifindex,
    name: dev,
    mac: (link.address ?? '').toLowerCase(),
    mtu: link.mtu,
    up: link.flags.includes('UP'),
    ...(link.master ? { master: link.master } : {}),
    addresses: info
      .filter((a) => !(a.family === 'inet6' && a.scope === 'link'))
      .map((a) => ({ family: a.family, local: a.local, prefixlen: a.prefixlen, scope: a.scope })),
    routes: [
      ...(JSON.parse(routes.stdout || '[]') as Record<string, unknown>[]),
      ...(JSON.parse(routes6.stdout || '[]') as Record<string, unknown>[]).filter(
        (r) => !String(r.dst).startsWith('fe80') && r.dst !== 'multicast',
      ),
    ],
    features: Object.fromEntries(
      features.stdout
        .split('\n')
        .map((line) => /^\s*([\w-]+): (on|off)$/.exec(line))
        .flatMap((m) => (m?.[1] && m[2] ? [[m[1], m[2] as 'on' | 'off']] : [])),
    ),
    sysctls: Object.fromEntries(DEVICE_SYSCTLS.flatMap((s, i) => (sysctlValues[i] ? [[s, sysctlValues[i]]] : []))),
    ...(released ? { released: true } : {}),
    ...(link.qdisc ? { qdisc: link.qdisc } : {}),
  };
}
