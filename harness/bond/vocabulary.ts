/**
 * The bonding driver's vocabulary, each list written once: the types, the scenario schema's enums,
 * the parsers, the checks and the reports all derive from these (Documentation/networking/bonding.rst,
 * drivers/net/bonding/bond_options.c).
 */

/** The modes by name, at their driver numbers (mode 0 is balance-rr ... mode 6 balance-alb). */
export const MODES = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;
export type ModeName = (typeof MODES)[number];

/** A slave's MII status as the driver prints it. */
export const SLAVE_MII_STATES = ['up', 'down', 'going down', 'going back'] as const;
export type SlaveMiiStatus = (typeof SLAVE_MII_STATES)[number];

/** The bond's own MII status. */
export const BOND_MII_STATES = ['up', 'down'] as const;
export type BondMiiStatus = (typeof BOND_MII_STATES)[number];

/** The bonding driver's kernel-log events that bondlab recognises (bond/kernel-log.ts). */
export const LOG_EVENT_KINDS = [
  'enslave',
  'release',
  'new-active-slave',
  'link-down',
  'link-up',
  'pending-down',
  'pending-up',
  'no-active',
  'active-up',
] as const;
export type LogEventKind = (typeof LOG_EVENT_KINDS)[number];

/** The slave MII state each kernel-log event leaves the slave in. */
export const MII_AFTER_EVENT: Partial<Record<LogEventKind, SlaveMiiStatus>> = {
  'link-down': 'down',
  'link-up': 'up',
  'pending-down': 'going down',
  'pending-up': 'going back',
};

/** The LACP port state flags at their bit numbers (IEEE 802.1AX: bit 0 activity ... bit 7 expired). */
export const LACP_FLAGS = [
  'activity',
  'timeout',
  'aggregation',
  'synchronization',
  'collecting',
  'distributing',
  'defaulted',
  'expired',
] as const;
export type LacpFlag = (typeof LACP_FLAGS)[number];

/** xmit_hash_policy values at their driver numbers. */
export const XMIT_HASH_POLICIES = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;
export type XmitHashPolicyName = (typeof XMIT_HASH_POLICIES)[number];

/** The far side of the links: a plain L2 switch, a static aggregation, or an LACP partner. */
export const FAR_SIDES = ['switch', 'static-lag', 'lacp'] as const;
export type FarSide = (typeof FAR_SIDES)[number];

/** What /proc/net/bonding prints for each mode, and the far side the mode needs (bonding.rst, "Switch Configuration"). */
const MODE_FACTS: Record<ModeName, { text: string; farSide: FarSide }> = {
  'balance-rr': { text: 'load balancing (round-robin)', farSide: 'static-lag' },
  'active-backup': { text: 'fault-tolerance (active-backup)', farSide: 'switch' },
  'balance-xor': { text: 'load balancing (xor)', farSide: 'static-lag' },
  broadcast: { text: 'fault-tolerance (broadcast)', farSide: 'static-lag' },
  '802.3ad': { text: 'IEEE 802.3ad Dynamic link aggregation', farSide: 'lacp' },
  'balance-tlb': { text: 'transmit load balancing', farSide: 'switch' },
  'balance-alb': { text: 'adaptive load balancing', farSide: 'switch' },
};

export function modeText(mode: ModeName): string {
  return MODE_FACTS[mode].text;
}

export function farSideOf(mode: ModeName): FarSide {
  return MODE_FACTS[mode].farSide;
}

/** What a far side must support, in words for reports. */
export const FAR_SIDE_NEEDS: Record<FarSide, string> = {
  switch: 'nothing',
  'static-lag': 'static aggregation',
  lacp: 'LACP',
};

const AD_ONLY: readonly ModeName[] = ['802.3ad'];
const WITH_PRIMARY: readonly ModeName[] = ['active-backup', 'balance-tlb', 'balance-alb'];
/** Options the driver refuses outside some modes (bond_options.c, unsuppmodes): the modes that take them. */
export const OPTION_MODES: Record<string, readonly ModeName[]> = {
  lacp_rate: AD_ONLY,
  lacp_active: AD_ONLY,
  ad_select: AD_ONLY,
  ad_actor_sys_prio: AD_ONLY,
  ad_actor_system: AD_ONLY,
  ad_user_port_key: AD_ONLY,
  coupled_control: AD_ONLY,
  broadcast_neighbor: AD_ONLY,
  primary: WITH_PRIMARY,
  primary_reselect: WITH_PRIMARY,
  packets_per_slave: ['balance-rr'],
  tlb_dynamic_lb: ['balance-tlb'],
  arp_interval: ['balance-rr', 'active-backup', 'balance-xor', 'broadcast'],
};

/** The mode from its name or driver number. */
export function modeByNameOrNumber(value: string | number): ModeName | undefined {
  if (typeof value === 'number') return MODES[value];
  return (MODES as readonly string[]).includes(value) ? (value as ModeName) : undefined;
}

/**
 * Whether a slave carries traffic: a tenth of its fair share (1/slaves) or more. Below that, what
 * it sent is ARP, LACPDUs and stray hashes, not a share of the load.
 */
export function carriesTraffic(share: number, slaves: number): boolean {
  return share >= 1 / Math.max(1, slaves) / 10;
}
