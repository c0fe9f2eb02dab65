import { describe, expect, it } from 'vitest';
import type { IpLink } from './nics.js';
import { sessionCarriers, sessionRefusal, type LinkAddresses } from './session-nic.js';

/** The fields bondlab reads of `ip -j -d link` and `ip -j addr`: a VLAN on eno1 holds the session's address. */
const link = (ifindex: number, ifname: string, more: object = {}) =>
  ({ ifindex, ifname, flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, ...more }) as IpLink;
const links = [
  link(1, 'lo'),
  link(2, 'eno1'),
  link(3, 'eno2'),
  link(4, 'eno1.100', { link: 'eno1' }),
  link(5, 'mv0', { link: 'eno1.100' }),
  // A veth whose peer is in another namespace: that name is not a link here.
  link(6, 'veth0', { link: 'eno2', link_netnsid: 0 }),
];
const addr = (family: string, local: string, prefixlen: number, scope: string) => ({ family, local, prefixlen, scope });
const addresses: LinkAddresses[] = [
  { ifname: 'lo', addr_info: [addr('inet', '127.0.0.1', 8, 'host')] },
  { ifname: 'eno1', addr_info: [addr('inet6', 'fe80::5054:ff:fe12:3401', 64, 'link')] },
  { ifname: 'eno2', addr_info: [addr('inet6', 'fe80::5054:ff:fe12:3402', 64, 'link')] },
  { ifname: 'eno1.100', addr_info: [addr('inet', '198.51.100.7', 24, 'global')] },
  { ifname: 'mv0', addr_info: [addr('inet', '203.0.113.9', 24, 'global')] },
  { ifname: 'veth0', addr_info: [addr('inet', '192.0.2.5', 24, 'global')] },
];

describe('the links that carry the session', () => {
  it('are the link holding its address and every link under it', () => {
    expect([...sessionCarriers('198.51.100.7', links, addresses)]).toEqual([
      ['eno1.100', 'eno1.100'],
      ['eno1', 'eno1.100'],
    ]);
    expect([...sessionCarriers('203.0.113.9', links, addresses)]).toEqual([
      ['mv0', 'mv0'],
      ['eno1.100', 'mv0'],
      ['eno1', 'mv0'],
    ]);
  });

  it('count an IPv6 link-local session, with or without its zone', () => {
    expect([...sessionCarriers('fe80::5054:ff:fe12:3402%eno2', links, addresses).keys()]).toEqual(['eno2']);
    expect([...sessionCarriers('FE80::5054:FF:FE12:3402', links, addresses).keys()]).toEqual(['eno2']);
  });

  it('do not follow a parent in another namespace, and are none without a session or its address here', () => {
    expect([...sessionCarriers('192.0.2.5', links, addresses).keys()]).toEqual(['veth0']);
    expect(sessionCarriers(undefined, links, addresses).size).toBe(0);
    expect(sessionCarriers('10.9.9.9', links, addresses).size).toBe(0);
  });

  it('say why, naming the link that holds the address', () => {
    expect(sessionRefusal('198.51.100.7', 'eno1.100', 'eno1.100')).toBe(
      'it holds 198.51.100.7, the address of the session bondlab was started through',
    );
    expect(sessionRefusal('198.51.100.7', 'eno1', 'eno1.100')).toBe(
      'eno1.100, which holds 198.51.100.7, the address of the session bondlab was started through, runs over it',
    );
  });
});
