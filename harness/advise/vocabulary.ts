/**
 * The bonding vocabulary the advisor speaks: mode names, and what the kernel's documentation says
 * about each (Documentation/networking/bonding.rst, cited by section). Mode names are imported
 * here and nowhere else in harness/advise/, so they can be re-pointed in one place.
 */
export { MODES, type ModeName } from '../scenario/plan.js';
import type { ModeName } from '../scenario/plan.js';

/** A statement from the kernel's bonding documentation rather than from a measurement. */
export interface DocumentedStatement {
  kind: 'documentation';
  source: 'bonding.rst';
  section: string;
  says: string;
}

const doc = (section: string, says: string): DocumentedStatement => ({
  kind: 'documentation',
  source: 'bonding.rst',
  section,
  says,
});

export const DOCS = {
  switchConfig: doc(
    '5. Switch Configuration',
    'active-backup, balance-tlb and balance-alb need no switch configuration; 802.3ad needs the ports configured as an 802.3ad aggregation; balance-rr, balance-xor and broadcast need the ports grouped (etherchannel, trunking)',
  ),
  rrSingleFlow: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-rr)',
    'the only mode that lets a single TCP/IP connection stripe traffic over more than one interface',
  ),
  rrReorders: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-rr)',
    'striping generally makes peers receive packets out of order; the fraction is highly variable and unlikely to be zero',
  ),
  lacpGood: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (802.3ad)',
    'a good choice in a single switch topology: an IEEE standard with automatic configuration of the aggregates, and frames are delivered in order, so single connections see no misordering',
  ),
  lacpNoSingleFlow: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (802.3ad)',
    "as with all load balancing modes other than balance-rr, no single connection can use more than one interface's worth of bandwidth",
  ),
  lacpMii: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (802.3ad)',
    '802.3ad mandates the MII monitor; the ARP monitor is not available in this mode',
  ),
  tlbNoArp: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-tlb, balance-alb)',
    "in balance-tlb all incoming traffic arrives over a single interface, and the ARP monitor is not available; balance-alb has all of balance-tlb's features and restrictions",
  ),
  albReceive: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-alb)',
    'everything balance-tlb is, and also balances incoming traffic from local network peers; the device driver must support changing the hardware address while the device is open',
  ),
  abPreferred: doc(
    '11.2.1 HA Bonding Mode Selection for Multiple Switch Topology',
    'active-backup is generally the preferred mode when optimizing for availability; the primary option keeps the preferred link in use when it is available',
  ),
  abNoSwitch: doc(
    '12.1.1 MT Bonding Mode Selection for Single Switch Topology (active-backup)',
    'active-backup does not require any configuration of the switch, so it has value where the hardware supports none of the load balancing modes',
  ),
  broadcastSpecial: doc(
    '11.2.1 HA Bonding Mode Selection for Multiple Switch Topology (broadcast)',
    'a special purpose mode, suitable only for very specific needs; in a single switch topology (12.1.1) there is not much advantage to it',
  ),
  broadcastCopies: doc(
    '2. Bonding Driver Options: mode (broadcast)',
    'transmits everything on all slave interfaces: every packet is sent once per link, so peers receive copies and no bandwidth is gained',
  ),
  carrierStaysUp: doc(
    '11.2.2 HA Link Monitoring Selection for Multiple Switch Topology',
    'when a link fails beyond the switch port, the MII monitor has no direct means to detect it; the ARP monitor with a target beyond it detects that failure without switch support',
  ),
  arpNotWithMii: doc(
    '2. Bonding Driver Options: arp_interval',
    'ARP monitoring should not be used in conjunction with miimon',
  ),
  arpValidate: doc(
    '2. Bonding Driver Options: arp_validate',
    'validation makes the ARP monitor consider only ARP traffic of its own bond, so probes of other hosts cannot keep a dead link up',
  ),
  arpMissedMax: doc(
    '2. Bonding Driver Options: arp_missed_max',
    'a link is marked down after arp_missed_max (default 2) failed checks, a backup after one more',
  ),
  lacpRate: doc(
    '2. Bonding Driver Options: lacp_rate',
    'fast asks the partner to send LACPDUs every second, slow every 30 seconds; a partner that stops sending is timed out after three of its intervals (802.3ad short and long timeouts)',
  ),
  miimon: doc(
    '2. Bonding Driver Options: miimon',
    'either miimon or arp_interval with arp_ip_target must be set, otherwise serious network degradation occurs during link failures; 100 ms is a usual starting value',
  ),
  delays: doc(
    '2. Bonding Driver Options: updelay, downdelay',
    'the time to wait before enabling a slave after link recovery, or disabling it after a link failure, is a multiple of miimon; downdelay defaults to 0',
  ),
  linkDelays: doc(
    '13.1 Link Establishment and Failover Delays',
    'some switches forward on a port only some time after its link comes up (e.g. spanning tree); updelay covers that time',
  ),
  hashL34: doc(
    '2. Bonding Driver Options: xmit_hash_policy (layer3+4)',
    'uses upper layer protocol information where available, so traffic to one peer can span several slaves while one connection stays on one slave; not fully 802.3ad compliant for fragmented packets',
  ),
  primary: doc(
    '2. Bonding Driver Options: primary',
    'the slave that is always the active one while it is available; for when one slave is preferred (e.g. higher throughput); active-backup, balance-tlb and balance-alb only',
  ),
} as const;

/** What the far side must offer, by mode (5. Switch Configuration). */
export const SWITCH_NEEDED: Record<ModeName, 'none' | 'static' | 'lacp'> = {
  'balance-rr': 'static',
  'active-backup': 'none',
  'balance-xor': 'static',
  broadcast: 'static',
  '802.3ad': 'lacp',
  'balance-tlb': 'none',
  'balance-alb': 'none',
};

/** Modes whose ARP monitor is available (12.1.1: not in 802.3ad, balance-tlb, balance-alb). */
export const ARP_MONITOR: ReadonlySet<ModeName> = new Set<ModeName>([
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
]);

/** The 802.3ad short timeout: three LACPDU intervals of 1 s with lacp_rate fast. */
export const LACP_FAST_TIMEOUT_MS = 3000;
