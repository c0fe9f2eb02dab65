/**
 * What one file contributes before files are joined: bonds, ports that name their bond from
 * their own file (ifupdown's bond-master, NetworkManager's controller=, networkd's Bond=), and
 * module settings. read.ts joins them into the model.
 */
import {
  ConfigError,
  type At,
  type ConfigBond,
  type ConfigFormat,
  type ModuleConfig,
  type PortOption,
  type Valued,
} from './model.js';
import { optionFor, toKernelValue, valueProblem } from './options.js';

export interface PortRef {
  /** The bond as the port names it: its interface name, or (NetworkManager) its connection id or uuid. */
  bond: string;
  port: string;
  key: string;
  at: At;
  /** Options a port sets for its bond (networkd's PrimarySlave=, ActiveSlave=). */
  options: Record<string, Valued<string>>;
  /** What the port sets on itself as the bond's port (NetworkManager's [bond-port]). */
  portOptions?: Omit<PortOption, 'port'>[];
}

export interface FilePart {
  bonds: ConfigBond[];
  ports: PortRef[];
  module: ModuleConfig;
  /** Other names a bond answers to (NetworkManager connection ids and uuids), to its interface name. */
  aliases: Map<string, string>;
  /** The devices netplan files define (under ethernets:, vlans:, ...): netplan takes only those as a bond's interfaces. */
  netplanDevices: Set<string>;
}

export function emptyPart(): FilePart {
  return {
    bonds: [],
    ports: [],
    module: { aliases: [], options: {}, ignored: [] },
    aliases: new Map(),
    netplanDevices: new Set(),
  };
}

export function newBond(name: string, format: ConfigFormat, at: At): ConfigBond {
  return { name, format, at, options: {}, ports: [], commands: [] };
}

/**
 * Sets an option from its name in the format; unknown names and values the driver refuses are
 * ConfigErrors at the line. Returns the kernel's name.
 */
export function setOption(
  bond: ConfigBond,
  format: Exclude<ConfigFormat, 'modprobe'>,
  key: string,
  raw: string | string[] | number | boolean,
  at: At,
): string {
  const option = optionFor(format, key);
  if (!option) throw new ConfigError(at, `unknown bonding option ${key}`);
  const converted = toKernelValue(option, format, raw);
  if ('problem' in converted) throw new ConfigError(at, `${key}: ${converted.problem}`);
  const problem = valueProblem(option.kernel, converted.value);
  if (problem) throw new ConfigError(at, `${key}: ${problem}`);
  const previous = bond.options[option.kernel];
  // Repeated list keys add to the list (networkd's ARPIPTargets=, ifupdown's repeated lines).
  const value =
    Array.isArray(converted.value) && Array.isArray(previous?.value)
      ? [...previous.value, ...converted.value]
      : converted.value;
  bond.options[option.kernel] = { value, key, at };
  return option.kernel;
}

/** The kernel's ranges: queue_id a u16 (bond_options.c), prio a signed 32-bit number (bonding.rst). */
const PORT_OPTION_RANGES: Record<PortOption['option'], [number, number]> = {
  queue_id: [0, 65535],
  prio: [-2147483648, 2147483647],
};

/** A per-port setting as written; a value out of the kernel's range is a ConfigError at the line. */
export function portOption(option: PortOption['option'], key: string, raw: string, at: At): Omit<PortOption, 'port'> {
  const [min, max] = PORT_OPTION_RANGES[option];
  const value = raw.trim();
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new ConfigError(at, `${key}: ${option} is a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
  return { option, value: String(Number(value)), key, at };
}
