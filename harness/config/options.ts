/**
 * The bonding options of the kernel's documentation (Documentation/networking/bonding.rst) and
 * their names in each configuration format, with the conversions between them: mode numbers to
 * names, booleans to 0/1, time spans to the kernel's milliseconds. Values are checked against the
 * driver's own ranges, the table harness/scenario/schema.ts keeps (BOND_OPTIONS).
 */
import { MODES } from '../bond/vocabulary.js';
import type { ConfigFormat, OptionValue } from './model.js';
import { optionValidator } from './option-validators.js';

/** How a format writes the value: the kernel's own text, a list, a boolean, or a time span with its default unit. */
type Kind = 'text' | 'list' | 'bool' | { timeDefault: 'ms' | 's' };

export interface OptionName {
  /** The kernel's (sysfs) name. */
  kernel: string;
  ifupdown?: string;
  netplan?: string[];
  networkmanager?: string;
  /** Where networkd has it on the port's .network instead of the .netdev, the key there. */
  networkd?: string;
  /** The kernel's unit, for the README table. */
  unit?: 'ms' | 's';
  /** Per format, when it is not the kernel's text. */
  kinds?: Partial<Record<ConfigFormat, Kind>>;
  /** The Linux release that added it, for options newer than the kernels bondlab boots (6.1). */
  since?: string;
  /** False for an option the kernel takes and shows over netlink only: no sysfs file, no module parameter. */
  sysfs?: false;
}

const ms = { timeDefault: 'ms' } as const;
const sec = { timeDefault: 's' } as const;

/**
 * Every option. netplan: netplan(5) "Properties for device type bonds" (time values without a
 * suffix are milliseconds, learn-packet-interval seconds); networkd: systemd.netdev(5) [Bond]
 * (time spans in seconds unless suffixed) and systemd.network(5) PrimarySlave=/ActiveSlave=;
 * NetworkManager: nm-settings-keyfile(5) [bond], which takes the kernel's names.
 */
export const OPTION_NAMES: OptionName[] = [
  { kernel: 'mode', ifupdown: 'bond-mode', netplan: ['mode'], networkmanager: 'mode', networkd: 'Mode' },
  {
    kernel: 'miimon',
    unit: 'ms',
    ifupdown: 'bond-miimon',
    netplan: ['mii-monitor-interval'],
    networkmanager: 'miimon',
    networkd: 'MIIMonitorSec',
    kinds: { netplan: ms, networkd: sec },
  },
  {
    kernel: 'updelay',
    unit: 'ms',
    ifupdown: 'bond-updelay',
    netplan: ['up-delay'],
    networkmanager: 'updelay',
    networkd: 'UpDelaySec',
    kinds: { netplan: ms, networkd: sec },
  },
  {
    kernel: 'downdelay',
    unit: 'ms',
    ifupdown: 'bond-downdelay',
    netplan: ['down-delay'],
    networkmanager: 'downdelay',
    networkd: 'DownDelaySec',
    kinds: { netplan: ms, networkd: sec },
  },
  {
    kernel: 'peer_notif_delay',
    unit: 'ms',
    ifupdown: 'bond-peer-notif-delay',
    networkmanager: 'peer_notif_delay',
    networkd: 'PeerNotifyDelaySec',
    kinds: { networkd: sec },
  },
  { kernel: 'use_carrier', ifupdown: 'bond-use-carrier', networkmanager: 'use_carrier', kinds: { ifupdown: 'bool' } },
  {
    kernel: 'arp_interval',
    unit: 'ms',
    ifupdown: 'bond-arp-interval',
    netplan: ['arp-interval'],
    networkmanager: 'arp_interval',
    networkd: 'ARPIntervalSec',
    kinds: { netplan: ms, networkd: sec },
  },
  {
    kernel: 'arp_ip_target',
    ifupdown: 'bond-arp-ip-target',
    netplan: ['arp-ip-targets'],
    networkmanager: 'arp_ip_target',
    networkd: 'ARPIPTargets',
    kinds: { ifupdown: 'list', netplan: 'list', networkmanager: 'list', networkd: 'list' },
  },
  {
    kernel: 'arp_validate',
    ifupdown: 'bond-arp-validate',
    netplan: ['arp-validate'],
    networkmanager: 'arp_validate',
    networkd: 'ARPValidate',
  },
  {
    kernel: 'arp_all_targets',
    ifupdown: 'bond-arp-all-targets',
    netplan: ['arp-all-targets'],
    networkmanager: 'arp_all_targets',
    networkd: 'ARPAllTargets',
  },
  {
    kernel: 'arp_missed_max',
    ifupdown: 'bond-arp-missed-max',
    networkmanager: 'arp_missed_max',
    networkd: 'ARPMissedMax',
  },
  {
    kernel: 'ns_ip6_target',
    ifupdown: 'bond-ns-ip6-target',
    networkmanager: 'ns_ip6_target',
    kinds: { ifupdown: 'list', networkmanager: 'list' },
  },
  {
    kernel: 'primary',
    ifupdown: 'bond-primary',
    netplan: ['primary'],
    networkmanager: 'primary',
    networkd: 'PrimarySlave',
  },
  {
    kernel: 'primary_reselect',
    ifupdown: 'bond-primary-reselect',
    netplan: ['primary-reselect-policy'],
    networkmanager: 'primary_reselect',
    networkd: 'PrimaryReselectPolicy',
  },
  { kernel: 'active_slave', ifupdown: 'bond-active-slave', networkmanager: 'active_slave', networkd: 'ActiveSlave' },
  {
    kernel: 'fail_over_mac',
    ifupdown: 'bond-fail-over-mac',
    netplan: ['fail-over-mac-policy'],
    networkmanager: 'fail_over_mac',
    networkd: 'FailOverMACPolicy',
  },
  {
    kernel: 'xmit_hash_policy',
    ifupdown: 'bond-xmit-hash-policy',
    netplan: ['transmit-hash-policy'],
    networkmanager: 'xmit_hash_policy',
    networkd: 'TransmitHashPolicy',
  },
  {
    kernel: 'resend_igmp',
    ifupdown: 'bond-resend-igmp',
    netplan: ['resend-igmp'],
    networkmanager: 'resend_igmp',
    networkd: 'ResendIGMP',
  },
  // netplan 0.106 reads both spellings of gratuitous-arp (its own typo kept for old files).
  {
    kernel: 'num_grat_arp',
    ifupdown: 'bond-num-grat-arp',
    netplan: ['gratuitous-arp', 'gratuitious-arp'],
    networkmanager: 'num_grat_arp',
    networkd: 'GratuitousARP',
  },
  { kernel: 'num_unsol_na', ifupdown: 'bond-num-unsol-na', networkmanager: 'num_unsol_na' },
  {
    kernel: 'all_slaves_active',
    ifupdown: 'bond-all-slaves-active',
    netplan: ['all-members-active', 'all-slaves-active'],
    networkmanager: 'all_slaves_active',
    networkd: 'AllSlavesActive',
    kinds: { ifupdown: 'bool', netplan: 'bool', networkd: 'bool' },
  },
  {
    kernel: 'min_links',
    ifupdown: 'bond-min-links',
    netplan: ['min-links'],
    networkmanager: 'min_links',
    networkd: 'MinLinks',
  },
  {
    kernel: 'lp_interval',
    unit: 's',
    ifupdown: 'bond-lp-interval',
    netplan: ['learn-packet-interval'],
    networkmanager: 'lp_interval',
    networkd: 'LearnPacketIntervalSec',
    kinds: { netplan: sec, networkd: sec },
  },
  {
    kernel: 'packets_per_slave',
    ifupdown: 'bond-packets-per-slave',
    netplan: ['packets-per-member', 'packets-per-slave'],
    networkmanager: 'packets_per_slave',
    networkd: 'PacketsPerSlave',
  },
  {
    kernel: 'tlb_dynamic_lb',
    ifupdown: 'bond-tlb-dynamic-lb',
    networkmanager: 'tlb_dynamic_lb',
    networkd: 'DynamicTransmitLoadBalancing',
    kinds: { ifupdown: 'bool', networkd: 'bool' },
  },
  {
    kernel: 'lacp_rate',
    ifupdown: 'bond-lacp-rate',
    netplan: ['lacp-rate'],
    networkmanager: 'lacp_rate',
    networkd: 'LACPTransmitRate',
  },
  { kernel: 'lacp_active', ifupdown: 'bond-lacp-active', networkmanager: 'lacp_active' },
  {
    kernel: 'ad_select',
    ifupdown: 'bond-ad-select',
    netplan: ['ad-select'],
    networkmanager: 'ad_select',
    networkd: 'AdSelect',
  },
  {
    kernel: 'ad_actor_sys_prio',
    ifupdown: 'bond-ad-actor-sys-prio',
    networkmanager: 'ad_actor_sys_prio',
    networkd: 'AdActorSystemPriority',
  },
  {
    kernel: 'ad_user_port_key',
    ifupdown: 'bond-ad-user-port-key',
    networkmanager: 'ad_user_port_key',
    networkd: 'AdUserPortKey',
  },
  {
    kernel: 'ad_actor_system',
    ifupdown: 'bond-ad-actor-system',
    networkmanager: 'ad_actor_system',
    networkd: 'AdActorSystem',
  },
  // Linux 6.9 (bonding: Add independent control state machine).
  { kernel: 'coupled_control', ifupdown: 'bond-coupled-control', since: '6.9' },
  // Linux 6.17 (net: bonding: add broadcast_neighbor option for 802.3ad): bond_options.c and netlink only.
  { kernel: 'broadcast_neighbor', ifupdown: 'bond-broadcast-neighbor', since: '6.17', sysfs: false },
];

/** The options networkd sets on a port's .network ([Network] section), not on the bond's .netdev. */
export const NETWORKD_PORT_OPTIONS = new Set(['primary', 'active_slave']);

/** The options Debian's ifenslave 2.13 scripts write to sysfs (/etc/network/if-pre-up.d/ifenslave); ifupdown passes the others to them unread. */
export const IFENSLAVE_APPLIES = new Set([
  'mode',
  'miimon',
  'updelay',
  'downdelay',
  'use_carrier',
  'arp_interval',
  'arp_ip_target',
  'arp_validate',
  'primary',
  'primary_reselect',
  'active_slave',
  'fail_over_mac',
  'xmit_hash_policy',
  'num_grat_arp',
  'num_unsol_na',
  'packets_per_slave',
  'tlb_dynamic_lb',
  'lacp_rate',
  'ad_select',
]);

export function optionFor(format: Exclude<ConfigFormat, 'modprobe'>, key: string): OptionName | undefined {
  if (format === 'netplan') return OPTION_NAMES.find((o) => o.netplan?.includes(key));
  if (format === 'networkd') return OPTION_NAMES.find((o) => o.networkd === key);
  if (format === 'networkmanager') return OPTION_NAMES.find((o) => o.networkmanager === key);
  return OPTION_NAMES.find((o) => o.ifupdown === key);
}

/** The kernel's numeric forms of its named values (bond_options.c value tables). */
const NUMBERED: Record<string, readonly string[]> = {
  mode: MODES,
  xmit_hash_policy: ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'],
  lacp_rate: ['slow', 'fast'],
  ad_select: ['stable', 'bandwidth', 'count'],
  arp_validate: ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'],
  arp_all_targets: ['any', 'all'],
  fail_over_mac: ['none', 'active', 'follow'],
  primary_reselect: ['always', 'better', 'failure'],
  lacp_active: ['off', 'on'],
  broadcast_neighbor: ['off', 'on'],
};

/** systemd's and netplan's spellings that differ from the kernel's. */
const SPELLINGS: Record<string, Record<string, string>> = {
  arp_validate: { 'filter-active': 'filter_active', 'filter-backup': 'filter_backup' },
};

const TIME_UNITS: Record<string, number> = {
  us: 0.001,
  usec: 0.001,
  ms: 1,
  msec: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/** A systemd time span ("1s 500ms", "100ms", "2") or a netplan interval, in ms; undefined when it is none. */
export function parseTimeSpan(text: string, defaultUnit: 'ms' | 's'): number | undefined {
  const parts = text.trim().match(/(\d+(?:\.\d+)?)\s*([a-z]*)/gi);
  if (!parts || parts.join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) return undefined;
  let total = 0;
  for (const part of parts) {
    const [, number, unit] = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(part.trim()) ?? [];
    const factor = unit ? TIME_UNITS[unit.toLowerCase()] : defaultUnit === 's' ? 1000 : 1;
    if (number === undefined || factor === undefined) return undefined;
    total += Number(number) * factor;
  }
  return total;
}

const TRUE = new Set(['1', 'yes', 'on', 'true']);
const FALSE = new Set(['0', 'no', 'off', 'false']);

/** A value as written, in the kernel's text; a string that says what is wrong when it cannot be. */
export function toKernelValue(
  option: OptionName,
  format: ConfigFormat,
  raw: string | string[] | number | boolean,
): { value: OptionValue } | { problem: string } {
  const kind = option.kinds?.[format] ?? 'text';
  if (kind === 'list' || Array.isArray(raw)) {
    const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(/[\s,]+/)).filter((s) => s !== '');
    return { value: items };
  }
  const text = String(raw).trim();
  if (kind === 'bool') {
    if (TRUE.has(text.toLowerCase())) return { value: '1' };
    if (FALSE.has(text.toLowerCase())) return { value: '0' };
    return { problem: `expected a boolean (yes/no, true/false, 1/0); got ${JSON.stringify(text)}` };
  }
  if (typeof kind === 'object') {
    const msValue = parseTimeSpan(text, kind.timeDefault);
    if (msValue === undefined)
      return { problem: `expected a time span such as 100ms or 1s; got ${JSON.stringify(text)}` };
    const value = option.unit === 's' ? msValue / 1000 : msValue;
    if (!Number.isInteger(value))
      return {
        problem: `${text} is not a whole number of ${option.unit === 's' ? 'seconds' : 'milliseconds'}, which the kernel takes`,
      };
    return { value: String(value) };
  }
  const names = NUMBERED[option.kernel];
  if (names && /^\d+$/.test(text)) {
    const name = names[Number(text)];
    return name
      ? { value: name }
      : {
          problem: `${option.kernel} ${text} is not a value the kernel knows (0-${names.length - 1}, or ${names.join(', ')})`,
        };
  }
  return { value: SPELLINGS[option.kernel]?.[text] ?? text };
}

/** Whether the driver takes the value (its ranges and names); the reason when it does not. */
export function valueProblem(kernel: string, value: OptionValue): string | undefined {
  if (kernel === 'mode')
    return (MODES as readonly string[]).includes(String(value))
      ? undefined
      : `unknown mode ${JSON.stringify(value)}; the kernel's modes are 0-6 or ${MODES.join(', ')}`;
  if (kernel === 'primary' || kernel === 'active_slave')
    return /^[^\s/:]{1,15}$/.test(String(value))
      ? undefined
      : `expected an interface name; got ${JSON.stringify(value)}`;
  const validate = optionValidator(kernel);
  if (!validate) return undefined;
  const typed = Array.isArray(value) ? value : /^-?\d+$/.test(value) ? Number(value) : value;
  if (validate(typed)) return undefined;
  const error = validate.errors?.[0];
  const allowed =
    error?.params && 'allowedValues' in error.params
      ? ` (${(error.params.allowedValues as unknown[]).join(', ')})`
      : '';
  return `${kernel} ${JSON.stringify(value)}: ${error?.message ?? 'not a value the kernel takes'}${allowed}`;
}
