/**
 * Checks on values that the JSON Schema cannot express: kernel specs in the forms `--kernel`
 * takes, ARP and NS targets as the driver takes them (bond_is_ip_target_ok and
 * bond_is_ip6_target_ok in include/net/bonding.h), and matrix references that name a key.
 * They run on a document that passed the schema, so the shapes are known.
 */
import { BlockList, isIPv6 } from 'node:net';
import { KernelSpecError, parseKernelSpec } from '../vm/kernels.js';
import type { InputError } from './plan.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

interface Locate {
  error(path: Path, message: string): InputError;
}

/** The driver refuses 0.0.0.0/8 and the limited broadcast address as ARP targets. */
const badArpTargets = new BlockList();
badArpTargets.addSubnet('0.0.0.0', 8, 'ipv4');
badArpTargets.addAddress('255.255.255.255', 'ipv4');
/** ... and the unspecified, loopback and multicast addresses as NS targets. */
const badNsTargets = new BlockList();
badNsTargets.addAddress('::', 'ipv6');
badNsTargets.addAddress('::1', 'ipv6');
badNsTargets.addSubnet('ff00::', 8, 'ipv6');

function kernelProblem(text: string): string | undefined {
  try {
    parseKernelSpec(text);
    return undefined;
  } catch (error) {
    if (error instanceof KernelSpecError)
      return `expected a kernel spec: ${error.expected}; got ${JSON.stringify(text)}`;
    throw error;
  }
}

function nsTargetProblem(text: string): string | undefined {
  // The driver parses with in6_pton, which takes no zone index (fe80::1%eth0).
  if (!isIPv6(text) || text.includes('%')) return `expected an IPv6 address; got ${JSON.stringify(text)}`;
  if (badNsTargets.check(text, 'ipv6'))
    return `the driver refuses ${text} as an NS target (unspecified, loopback or multicast)`;
  return undefined;
}

function arpTargetProblem(text: string): string | undefined {
  if (text !== 'arp-target' && badArpTargets.check(text, 'ipv4'))
    return `the driver refuses ${text} as an ARP target (0.0.0.0/8 or the broadcast address)`;
  return undefined;
}

/** The value at `path` (kernel, or bond.<option>) and each matrix value of the same key, with where they are. */
function withMatrix(spec: Json, path: [string, ...string[]]): [Path, unknown][] {
  const found: [Path, unknown][] = [];
  const value = path.reduce<unknown>((parent, part) => (parent as Json | undefined)?.[part], spec);
  if (value !== undefined) found.push([path, value]);
  const key = path[path.length - 1] as string;
  const values = (spec.matrix as Json | undefined)?.[key];
  if (Array.isArray(values)) values.forEach((each: unknown, i) => found.push([['matrix', key, i], each]));
  return found;
}

export function valueErrors(spec: Json, locate: Locate): InputError[] {
  const errors: InputError[] = [];
  for (const [path, value] of withMatrix(spec, ['kernel'])) {
    const problem = kernelProblem(String(value));
    if (problem) errors.push(locate.error(path, problem));
  }
  for (const [option, check] of [
    ['arp_ip_target', arpTargetProblem],
    ['ns_ip6_target', nsTargetProblem],
  ] as const) {
    for (const [path, list] of withMatrix(spec, ['bond', option])) {
      (list as string[]).forEach((address, i) => {
        const problem = check(address);
        if (problem) errors.push(locate.error([...path, i], problem));
      });
    }
  }
  const matrix = (spec.matrix ?? {}) as Json;
  ((spec.steps as unknown[] | undefined) ?? []).forEach((step, i) => {
    const claims: [Path, unknown][] = [];
    if (step && typeof step === 'object') {
      const { expect, wait } = step as Json;
      if (expect && typeof expect === 'object') claims.push([['steps', i, 'expect', 'mode'], (expect as Json).mode]);
      if (wait && typeof wait === 'object')
        claims.push([['steps', i, 'wait', 'until', 'mode'], ((wait as Json).until as Json | undefined)?.mode]);
    }
    for (const [path, mode] of claims) {
      // A mode claim takes its value from the matrix's modes: ${mode}, nothing else.
      if (typeof mode === 'string' && mode.startsWith('${') && (mode !== '${mode}' || matrix.mode === undefined)) {
        errors.push(
          locate.error(
            path,
            `${mode} names no matrix of modes; a mode claim may say \${mode} when the matrix has mode`,
          ),
        );
      }
    }
  });
  return errors;
}
