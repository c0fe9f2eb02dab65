/**
 * Reading the user's files into the model: each path a file or a directory (/etc/network,
 * /etc/netplan, /etc/systemd/network, /etc/NetworkManager/system-connections, /etc/modprobe.d),
 * the format told by the file's name, or for other names by its content.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { emptyPart, type FilePart } from './collect.js';
import { readInterfaces } from './ifupdown.js';
import { logicalLines, readConfigText } from './lines.js';
import { ConfigError, emptyModel, type ConfigFormat, type ConfigModel } from './model.js';
import { readModprobe } from './modprobe.js';
import { readNetplan } from './netplan.js';
import { readNetdev, readNetwork } from './networkd.js';
import { readKeyfile } from './networkmanager.js';
import { OPTION_NAMES } from './options.js';

/** The format a file's name says, if it says one. */
function formatByName(file: string): ConfigFormat | undefined {
  const name = basename(file);
  if (/\.ya?ml$/.test(name)) return 'netplan';
  if (/\.(netdev|network)$/.test(name)) return 'networkd';
  if (name.endsWith('.nmconnection')) return 'networkmanager';
  if (name.endsWith('.conf')) return 'modprobe';
  if (name === 'interfaces') return 'ifupdown';
  return undefined;
}

function formatByContent(file: string): ConfigFormat {
  const first = logicalLines(readConfigText(file))[0]?.text ?? '';
  if (first === '[connection]') return 'networkmanager';
  if (/^\[(NetDev|Match|Network|Bond)\]$/.test(first)) return 'networkd';
  if (/^(alias|options|blacklist|install|softdep)\s/.test(first)) return 'modprobe';
  if (/^network:/.test(first)) return 'netplan';
  return 'ifupdown';
}

/** The files to read: those named, and in directories those whose name tells their format. */
function listFiles(paths: string[]): { file: string; format: ConfigFormat }[] {
  const found: { file: string; format: ConfigFormat }[] = [];
  for (const path of paths) {
    let info;
    try {
      info = statSync(path);
    } catch (error) {
      throw new ConfigError(
        { file: path, line: 0 },
        `cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(error)}`,
      );
    }
    if (!info.isDirectory()) {
      found.push({ file: path, format: formatByName(path) ?? formatByContent(path) });
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      const file = join(path, name);
      const format = formatByName(file);
      if (format && statSync(file).isFile()) found.push({ file, format });
    }
  }
  return found;
}

/** Reads every file into one model; a file that cannot be read or understood throws ConfigError with its file and line. */
export function readConfig(paths: string[]): ConfigModel {
  const model = emptyModel();
  const part: FilePart = emptyPart();
  part.module = model.module;
  const listed = listFiles(paths);
  // .network files come last: they refer to the bonds the .netdev files make.
  const ordered = [
    ...listed.filter((f) => !f.file.endsWith('.network')),
    ...listed.filter((f) => f.file.endsWith('.network')),
  ];
  for (const { file, format } of ordered) {
    if (format === 'ifupdown') {
      for (const read of readInterfaces(file, part)) model.files.push({ file: read, format });
      continue;
    }
    const text = readConfigText(file);
    model.files.push({ file, format });
    if (format === 'modprobe' && !file.endsWith('.conf')) {
      // Read for its errors; kmod itself skips the file, so its options count for nothing.
      readModprobe(text, file, emptyPart().module);
      model.module.ignored.push(file);
    } else if (format === 'modprobe') readModprobe(text, file, model.module);
    else if (format === 'netplan') readNetplan(text, file, part);
    else if (format === 'networkmanager') readKeyfile(text, file, part);
    else if (file.endsWith('.netdev')) readNetdev(text, file, part);
    else readNetwork(text, file, part, () => part.bonds);
  }
  for (const port of part.ports) {
    const name = part.aliases.get(port.bond) ?? port.bond;
    const bond = part.bonds.find((b) => b.name === name);
    if (!bond) throw new ConfigError(port.at, `${port.port} names bond ${port.bond}, which none of the files defines`);
    if (!bond.ports.some((p) => p.value === port.port))
      bond.ports.push({ value: port.port, key: port.key, at: port.at });
    for (const [option, value] of Object.entries(port.options)) bond.options[option] ??= value;
    for (const set of port.portOptions ?? []) (bond.portOptions ??= []).push({ port: port.port, ...set });
  }
  for (const bond of part.bonds) {
    // netplan generate refuses the whole configuration then ("interface 'enp2s0' is not defined").
    const undefinedPort = bond.format === 'netplan' && bond.ports.find((p) => !part.netplanDevices.has(p.value));
    if (undefinedPort)
      throw new ConfigError(
        undefinedPort.at,
        `bond ${bond.name}: interface ${undefinedPort.value} is not defined: netplan takes as a bond's interfaces only devices a netplan file defines (as ${undefinedPort.value}: {} under ethernets:), and refuses the configuration otherwise`,
      );
    if (!bond.ports.length)
      throw new ConfigError(bond.at, `bond ${bond.name} has no ports (no ${portKeys(bond.format)})`);
    // The module's parameters are the defaults of every bond made after it is loaded.
    for (const [key, value] of Object.entries(model.module.options)) {
      if (!OPTION_NAMES.some((o) => o.kernel === key) || bond.options[key]) continue;
      bond.options[key] = {
        ...value,
        key: `options ${key}`,
        value: key === 'arp_ip_target' ? value.value.split(',') : value.value,
      };
    }
  }
  model.bonds = part.bonds;
  return model;
}

function portKeys(format: ConfigFormat): string {
  if (format === 'ifupdown') return 'slaves, bond-slaves, bond-master or ifenslave command';
  if (format === 'netplan') return 'interfaces';
  if (format === 'networkmanager') return 'port profile with controller= naming it';
  return 'Bond= in a .network naming it';
}
