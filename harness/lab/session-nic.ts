/**
 * Which links carry the session bondlab reaches the machine through (over ssh: the agent's own
 * session, `$SSH_CONNECTION` there): the link that holds its address, in any scope (an IPv6
 * link-local session too), and every link under that one: a VLAN's or macvlan's parent, in turn.
 * A NIC that merely lies under the address's VLAN holds no address itself, yet taking it over
 * would cut the session all the same.
 */
import type { IpAddress, IpLink } from './nics.js';

/** `ip -j addr show`, as far as this reads it. */
export interface LinkAddresses {
  ifname: string;
  addr_info?: IpAddress[];
}

/** `ip -j -d link`'s parent of a stacked link (`link`), absent when that parent is in another namespace. */
type StackedLink = IpLink & { link?: string; link_netnsid?: number };

/**
 * Link name -> the link that holds the session's address (itself, or a link stacked on it).
 * Empty without a session address, or when no link here holds it.
 */
export function sessionCarriers(
  sessionAddress: string | undefined,
  links: StackedLink[],
  addresses: LinkAddresses[],
): Map<string, string> {
  const carriers = new Map<string, string>();
  // An IPv6 link-local address may come with its zone (fe80::1%eth0); the link's own has none.
  const address = sessionAddress?.split('%')[0]?.toLowerCase();
  if (!address) return carriers;
  for (const holder of addresses.filter((l) => (l.addr_info ?? []).some((a) => a.local.toLowerCase() === address))) {
    for (let name: string | undefined = holder.ifname; name && !carriers.has(name);) {
      carriers.set(name, holder.ifname);
      const link = links.find((l) => l.ifname === name);
      name = link?.link_netnsid === undefined ? link?.link : undefined;
    }
  }
  return carriers;
}

/** The reason a link that carries the session is refused. */
export function sessionRefusal(sessionAddress: string, name: string, holder: string): string {
  const session = `${sessionAddress}, the address of the session bondlab was started through`;
  return holder === name ? `it holds ${session}` : `${holder}, which holds ${session}, runs over it`;
}
