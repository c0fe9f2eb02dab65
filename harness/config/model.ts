/**
 * One model for every configuration format bondlab reads (ifupdown, modprobe.d, netplan,
 * NetworkManager keyfiles, systemd-networkd): each bond with its options in the kernel's own
 * option names (the sysfs names of harness/scenario's option table), its ports and addressing,
 * and for every value the file and line it came from.
 */

/** Where a value was written. */
export interface At {
  file: string;
  line: number;
}

export type ConfigFormat = 'ifupdown' | 'modprobe' | 'netplan' | 'networkmanager' | 'networkd';

/** A value as the kernel takes it, the key the file used for it, and where. */
export interface Valued<T> {
  value: T;
  /** The key as written (`bond-miimon`, `MIIMonitorSec`, `mii-monitor-interval`). */
  key: string;
  at: At;
}

export type OptionValue = string | string[];

export interface Addressing {
  method: 'static' | 'dhcp' | 'manual' | 'none';
  /** CIDR addresses (`192.0.2.10/24`). */
  addresses: string[];
  gateway?: string;
  at: At;
}

/** A command an ifupdown stanza runs (pre-up, up, post-up, down, pre-down, post-down). */
export interface Command {
  phase: string;
  text: string;
  at: At;
}

/** What the bond keeps per port (IFLA_BOND_SLAVE_QUEUE_ID, IFLA_BOND_SLAVE_PRIO), not a bond option. */
export interface PortOption {
  port: string;
  option: 'queue_id' | 'prio';
  /** A whole number, as the kernel takes it. */
  value: string;
  key: string;
  at: At;
}

export interface ConfigBond {
  name: string;
  format: ConfigFormat;
  at: At;
  /** By kernel option name (miimon, arp_ip_target, ...); mode by its name (active-backup). */
  options: Record<string, Valued<OptionValue>>;
  ports: Valued<string>[];
  /** Per-port queue ids and priorities, by the user's port names. */
  portOptions?: PortOption[];
  addressing?: Addressing;
  hwaddress?: Valued<string>;
  commands: Command[];
}

/** What /etc/modprobe.d says about the bonding module. */
export interface ModuleConfig {
  /** Names that load bonding (`alias bond0 bonding`). */
  aliases: Valued<string>[];
  /** Module parameters by name, from `options bonding ...` or `options <alias> ...`. */
  options: Record<string, Valued<string>>;
  /** Files kmod does not read: /etc/modprobe.d takes only names ending in .conf. */
  ignored: string[];
}

export interface ConfigModel {
  /** Every file read, in the order read. */
  files: { file: string; format: ConfigFormat }[];
  bonds: ConfigBond[];
  module: ModuleConfig;
}

/** A file that cannot be read or understood: exit 2, nothing is brought up. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly at: At,
    readonly reason: string,
  ) {
    super(`${at.file}:${at.line}: ${reason}`);
  }
}

export function emptyModel(): ConfigModel {
  return { files: [], bonds: [], module: { aliases: [], options: {}, ignored: [] } };
}
