/** The bonding driver's options as the scenario language and the configuration readers take them. */
import { XMIT_HASH_POLICIES } from '../bond/vocabulary.js';
import { ipv4OrToken, slaveRef, uint } from './fragments.js';
import { INT_MAX } from './limits.js';

const byte = { type: 'integer', minimum: 0, maximum: 255 };
const flag = { enum: [0, 1] };

/** Every bonding driver option by its sysfs name, with the values the driver takes (the tables in drivers/net/bonding/bond_options.c). */
export const BOND_OPTIONS: Record<string, object> = {
  miimon: uint,
  updelay: uint,
  downdelay: uint,
  peer_notif_delay: { type: 'integer', minimum: 0, maximum: 300000 },
  use_carrier: flag,
  arp_interval: uint,
  arp_ip_target: { type: 'array', items: ipv4OrToken, maxItems: 16, uniqueItems: true },
  arp_validate: { enum: ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'] },
  arp_all_targets: { enum: ['any', 'all'] },
  arp_missed_max: { type: 'integer', minimum: 1, maximum: 255 },
  ns_ip6_target: {
    type: 'array',
    items: { type: 'string', description: 'an IPv6 address' },
    maxItems: 16,
    uniqueItems: true,
  },
  primary: slaveRef,
  primary_reselect: { enum: ['always', 'better', 'failure'] },
  fail_over_mac: { enum: ['none', 'active', 'follow'] },
  xmit_hash_policy: { enum: [...XMIT_HASH_POLICIES] },
  resend_igmp: byte,
  num_grat_arp: byte,
  num_unsol_na: byte,
  all_slaves_active: flag,
  min_links: uint,
  lp_interval: { type: 'integer', minimum: 1, maximum: INT_MAX },
  packets_per_slave: { type: 'integer', minimum: 0, maximum: 65535 },
  tlb_dynamic_lb: flag,
  lacp_rate: { enum: ['slow', 'fast'] },
  lacp_active: { enum: ['on', 'off'] },
  ad_select: { enum: ['stable', 'bandwidth', 'count'] },
  ad_actor_sys_prio: { type: 'integer', minimum: 1, maximum: 65535 },
  ad_user_port_key: { type: 'integer', minimum: 0, maximum: 1023 },
  ad_actor_system: {
    type: 'string',
    pattern: '^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$',
    description: 'a unicast MAC address, such as 02:00:00:00:00:01',
  },
  coupled_control: flag,
};
