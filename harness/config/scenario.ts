/**
 * A scenario's bond taken from the user's files: `bond: { from: path | [paths], name: bond0,
 * apply: ifupdown | networkd | networkmanager }`, paths relative to the scenario file. The bond becomes the scenario's bond
 * with exactly the user's options; its ports become the topology's links (slave0 is the first
 * port), the ARP targets the topology's ARP target host. With `apply`, the case brings it up
 * with that tool instead of writing the options itself (apply.ts).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { BOND_OPTIONS } from '../scenario/bond-options.js';
import type { ConfigBondRef } from '../scenario/plan.js';
import { readConfig } from './read.js';
import { ConfigError, type ConfigBond, type ConfigFormat } from './model.js';

/** What a case keeps of where its bond came from. */

const KEYS = new Set(['from', 'name', 'apply']);
/** Each tool bondlab applies with, and the formats it brings up (netplan through `netplan generate`). */
const APPLIERS = new Map<NonNullable<ConfigBondRef['apply']>, ConfigFormat[]>([
  ['ifupdown', ['ifupdown']],
  ['networkd', ['networkd', 'netplan']],
  ['networkmanager', ['networkmanager']],
]);
const MAX_PORTS = 8;

type Json = Record<string, unknown>;

export const APPLY_TOOLS = [...APPLIERS.keys()];

/** Why a tool cannot bring this bond up (its files are of another format); undefined when it can. */
export function applierRefuses(apply: NonNullable<ConfigBondRef['apply']>, bond: ConfigBond): string | undefined {
  const formats = APPLIERS.get(apply) ?? [];
  return formats.includes(bond.format)
    ? undefined
    : `${bond.name} comes from a ${bond.format} file; apply: ${apply} takes ${formats.join(' or ')} files`;
}
export type Resolved = { ref?: ConfigBondRef; error?: { path: (string | number)[]; message: string } };

const integer = (schema: object) => 'type' in schema && schema.type === 'integer';

/** The scenario form of a configured bond: mode, slaves and driver options, as the schema takes them. */
export function scenarioBond(bond: ConfigBond): Json {
  const spec: Json = { mode: bond.options.mode?.value ?? 'balance-rr', slaves: bond.ports.length };
  for (const [option, valued] of Object.entries(bond.options)) {
    const schema = BOND_OPTIONS[option];
    if (!schema) continue;
    if (option === 'arp_ip_target') spec[option] = ['arp-target'];
    else if (option === 'primary') {
      const index = bond.ports.findIndex((p) => p.value === valued.value);
      if (index >= 0) spec[option] = `slave${index}`;
    } else
      spec[option] =
        integer(schema) || ('enum' in schema && (schema.enum as unknown[]).includes(0))
          ? Number(valued.value)
          : valued.value;
  }
  return spec;
}

/**
 * When the document's bond says `from:`, replaces it with the configured bond (in place) and
 * returns where it came from; an error names the field and what is wrong.
 */
export function resolveConfigBond(spec: Json, scenarioFile: string): Resolved {
  const bond = spec.bond as Json | undefined;
  if (!bond || typeof bond !== 'object' || Array.isArray(bond) || bond.from === undefined) return {};
  for (const key of Object.keys(bond))
    if (!KEYS.has(key))
      return {
        error: {
          path: ['bond', key],
          message: `a bond from a configuration takes only from, name and apply; ${key} comes from the files`,
        },
      };
  const from = Array.isArray(bond.from) ? bond.from : [bond.from];
  if (!from.length || !from.every((f) => typeof f === 'string' && f !== ''))
    return { error: { path: ['bond', 'from'], message: 'from: a path or a list of paths to configuration files' } };
  if (typeof bond.name !== 'string')
    return { error: { path: ['bond', 'name'], message: 'name: the bond to take from the files, such as bond0' } };
  if (bond.apply !== undefined && ![...APPLIERS.keys()].some((k) => k === bond.apply))
    return {
      error: {
        path: ['bond', 'apply'],
        message: `apply: ifupdown (interfaces files), networkd (networkd and netplan files) or networkmanager (NetworkManager keyfiles) are the tools bondlab applies with; got ${JSON.stringify(bond.apply)}`,
      },
    };
  const files = (from as string[]).map((f) => (isAbsolute(f) ? f : resolve(dirname(scenarioFile), f)));
  try {
    const model = readConfig(files);
    const found = model.bonds.find((b) => b.name === bond.name);
    if (!found)
      return {
        error: {
          path: ['bond', 'name'],
          message: `no bond ${bond.name} in ${from.join(', ')}; they define ${model.bonds.map((b) => b.name).join(', ') || 'none'}`,
        },
      };
    if (found.ports.length > MAX_PORTS)
      return {
        error: {
          path: ['bond', 'from'],
          message: `${bond.name} has ${found.ports.length} ports; a topology has at most ${MAX_PORTS} links`,
        },
      };
    const apply = bond.apply as ConfigBondRef['apply'];
    const refused = apply && applierRefuses(apply, found);
    if (refused) return { error: { path: ['bond', 'apply'], message: refused } };
    spec.bond = scenarioBond(found);
    return { ref: { files, name: bond.name, ...(apply ? { apply } : {}) } };
  } catch (error) {
    if (error instanceof ConfigError) return { error: { path: ['bond', 'from'], message: error.message } };
    throw error;
  }
}
