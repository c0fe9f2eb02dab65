/**
 * Debian ifupdown's /etc/network/interfaces (interfaces(5)) and the ifenslave scripts' options:
 * `iface` stanzas with `bond-*` options, `slaves`/`bond-slaves` on the bond or `bond-master` on
 * its ports, `hwaddress`, `inet static|dhcp|manual`, pre-up/up/down commands, and `source` /
 * `source-directory` includes (globs; a loop is an error at the line that closes it).
 * Relative include paths are taken from the including file's directory, so a copied tree reads
 * the same; absolute ones as written.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { newBond, portOption, setOption, type FilePart, type PortRef } from './collect.js';
import { readConfigText, logicalLines } from './lines.js';
import { ConfigError, type At, type ConfigBond } from './model.js';

interface Stanza {
  name: string;
  family: string;
  method: string;
  at: At;
  options: { key: string; value: string; at: At }[];
}

/** ifenslave's options that are no bond option: per-port queue ids (read into portOptions), and a Wi-Fi workaround (README.Debian). */
const IFENSLAVE_OWN = new Set(['bond-give-a-chance', 'bond-queue-id']);
const COMMAND_PHASES = new Set(['pre-up', 'up', 'post-up', 'down', 'pre-down', 'post-down']);
/** Stanza keywords that end the current iface stanza. */
const STANZA_START = /^(iface|auto|allow-[\w-]+|mapping|source|source-directory|rename|no-auto-down|no-scripts)$/;

function globRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The files a `source` pattern names, in name order (a glob in the last component only, as run-parts style includes use). */
function expandSource(pattern: string, from: string, at: At, directory: boolean): string[] {
  const path = isAbsolute(pattern) ? pattern : resolve(dirname(from), pattern);
  const dir = directory ? path : dirname(path);
  const name = directory ? '*' : basename(path);
  if (!/[*?[]/.test(name))
    return directory
      ? listDir(dir, at)
          .filter((f) => /^[a-zA-Z0-9_-]+$/.test(f))
          .map((f) => join(dir, f))
      : [path];
  const re = globRegex(name);
  // source-directory takes names of letters, digits, _ and - only (run-parts' rule).
  return listDir(dir, at)
    .filter((f) => re.test(f) && (!directory || /^[a-zA-Z0-9_-]+$/.test(f)))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function listDir(dir: string, at: At): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A glob that matches nothing is no error for ifupdown; a missing directory is none either.
    if (code === 'ENOENT') return [];
    throw new ConfigError(at, `cannot read ${dir}: ${code ?? String(error)}`);
  }
}

function readStanzas(file: string, stack: string[], stanzas: Stanza[], files: string[]): void {
  const real = resolve(file);
  const text = readConfigText(file);
  files.push(file);
  let current: Stanza | undefined;
  for (const { line, text: content } of logicalLines(text)) {
    const at = { file, line };
    const [keyword = '', ...rest] = content.split(/\s+/);
    if (STANZA_START.test(keyword)) current = undefined;
    if (keyword === 'iface') {
      const [name, family, method] = rest;
      if (!name || !family || !method)
        throw new ConfigError(at, 'iface needs a name, an address family and a method: iface bond0 inet static');
      current = { name, family, method, at, options: [] };
      stanzas.push(current);
    } else if (keyword === 'source' || keyword === 'source-directory') {
      const pattern = rest.join(' ');
      if (!pattern) throw new ConfigError(at, `${keyword} needs a path`);
      for (const included of expandSource(pattern, file, at, keyword === 'source-directory')) {
        const chain = [...stack, real];
        if (chain.includes(resolve(included)))
          throw new ConfigError(at, `source loop: ${[...chain, resolve(included)].join(' -> ')}`);
        readStanzas(included, chain, stanzas, files);
      }
    } else if (STANZA_START.test(keyword)) {
      continue;
    } else if (current) {
      current.options.push({ key: keyword, value: rest.join(' '), at });
    } else {
      throw new ConfigError(at, `${JSON.stringify(keyword)} outside any iface stanza`);
    }
  }
}

/** `ifenslave bond0 eth0 eth1` (not -d/-c) in an up command: the ports it enslaves. */
function enslavedBy(command: string, bond: string): string[] {
  const words = command.split(/\s+/);
  const at = words.findIndex((w) => /(^|\/)ifenslave$/.test(w));
  if (at < 0) return [];
  const args = words.slice(at + 1).filter((w) => !w.startsWith('-'));
  if (words.slice(at + 1).some((w) => /^-(d|c|-detach|-change-active)/.test(w))) return [];
  return args[0] === bond ? args.slice(1).filter((w) => /^[\w.:-]+$/.test(w)) : [];
}

function addressing(stanza: Stanza): ConfigBond['addressing'] {
  const value = (key: string) => stanza.options.find((o) => o.key === key)?.value;
  const method =
    stanza.method === 'static'
      ? 'static'
      : stanza.method === 'dhcp'
        ? 'dhcp'
        : stanza.method === 'manual'
          ? 'manual'
          : 'none';
  const addresses: string[] = [];
  const address = value('address');
  if (address) {
    const netmask = value('netmask');
    addresses.push(
      address.includes('/') || !netmask ? address : `${address}/${/^\d+$/.test(netmask) ? netmask : maskBits(netmask)}`,
    );
  }
  const gateway = value('gateway');
  return { method, addresses, ...(gateway ? { gateway } : {}), at: stanza.at };
}

function maskBits(mask: string): number {
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/** Reads an interfaces file and what it sources. */
export function readInterfaces(file: string, part: FilePart): string[] {
  const stanzas: Stanza[] = [];
  const files: string[] = [];
  readStanzas(file, [], stanzas, files);
  const bonds = new Map<string, ConfigBond>();
  const isBondStanza = (s: Stanza) =>
    s.options.some(
      (o) =>
        o.key === 'slaves' ||
        o.key === 'bond-slaves' ||
        (COMMAND_PHASES.has(o.key) && enslavedBy(o.value, s.name).length > 0),
    ) ||
    (s.options.some((o) => o.key.startsWith('bond-') && !IFENSLAVE_OWN.has(o.key)) &&
      !s.options.some((o) => o.key === 'bond-master'));
  for (const stanza of stanzas.filter(isBondStanza)) {
    let bond = bonds.get(stanza.name);
    if (!bond) {
      bond = newBond(stanza.name, 'ifupdown', stanza.at);
      bonds.set(stanza.name, bond);
      part.bonds.push(bond);
    }
    if (stanza.family === 'inet' || !bond.addressing) bond.addressing = addressing(stanza);
    for (const { key, value, at } of stanza.options) {
      if (key === 'slaves' || key === 'bond-slaves') {
        const names = value.split(/\s+/).filter((n) => n && n !== 'none');
        for (const port of names) bond.ports.push({ value: port, key, at });
      } else if (key.replace(/_/g, '-') === 'bond-queue-id') {
        // ifenslave's form: one PORT:ID per word, as the kernel's queue_id file takes them.
        for (const word of value.split(/\s+/).filter(Boolean)) {
          const [port, id] = word.split(':');
          if (!port || id === undefined) throw new ConfigError(at, `${key}: expected PORT:QUEUE_ID words; got ${word}`);
          (bond.portOptions ??= []).push({ port, ...portOption('queue_id', key, id, at) });
        }
      } else if (IFENSLAVE_OWN.has(key.replace(/_/g, '-'))) {
        continue;
      } else if (key.startsWith('bond-')) {
        if (key === 'bond-master') throw new ConfigError(at, `bond-master on the bond ${stanza.name} itself`);
        if (!value) throw new ConfigError(at, `${key} has no value`);
        // bond-primary may list several: the scripts take the first that is a port.
        // ifupdown hands options to the scripts as IF_BOND_XMIT_HASH_POLICY: '-' and '_' are one.
        setOption(
          bond,
          'ifupdown',
          key.replace(/_/g, '-'),
          key === 'bond-primary' ? (value.split(/\s+/)[0] ?? value) : value,
          at,
        );
      } else if (key === 'hwaddress') {
        const mac = value.replace(/^ether\s+/, '');
        bond.hwaddress = { value: mac, key, at };
      } else if (COMMAND_PHASES.has(key)) {
        bond.commands.push({ phase: key, text: value, at });
        if (key === 'up' || key === 'post-up' || key === 'pre-up')
          for (const port of enslavedBy(value, stanza.name)) bond.ports.push({ value: port, key: 'ifenslave', at });
      }
    }
  }
  for (const stanza of stanzas.filter((s) => !isBondStanza(s))) {
    const master = stanza.options.find((o) => o.key === 'bond-master');
    const primary = stanza.options.find((o) => o.key === 'bond-primary');
    if (master) {
      const options: PortRef['options'] = primary
        ? { primary: { value: primary.value.split(/\s+/)[0] ?? '', key: primary.key, at: primary.at } }
        : {};
      part.ports.push({ bond: master.value, port: stanza.name, key: master.key, at: master.at, options });
    }
  }
  return files;
}
