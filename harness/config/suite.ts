/**
 * `bondlab run --config PATH`: the scenarios' claims that apply to the user's bond. A case
 * applies when its bond has the configured bond's mode and number of ports and sets no option
 * but link monitoring (its claims are about the mode, not about option values the user may not
 * have); it then runs on the user's bond, with exactly the user's options, brought up by the
 * files' own tool when `--apply` names it.
 */
import type { ConfigBondRef, ScenarioCase } from '../scenario/plan.js';
import { ConfigError } from './model.js';
import { readConfig } from './read.js';
import { applierRefuses, scenarioBond } from './scenario.js';

/** The options a case may set and still be about its mode alone. */
const MONITORING = new Set(['miimon', 'arp_interval', 'arp_ip_target']);

export class ConfigSelectionError extends Error {
  override name = 'ConfigSelectionError';
}

export function casesOnConfig(
  cases: ScenarioCase[],
  files: string[],
  name?: string,
  apply?: ConfigBondRef['apply'],
): ScenarioCase[] {
  let model;
  try {
    model = readConfig(files);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigSelectionError(error.message);
    throw error;
  }
  const bonds = name ? model.bonds.filter((b) => b.name === name) : model.bonds;
  const bond = bonds[0];
  if (!bond || bonds.length > 1)
    throw new ConfigSelectionError(
      bond
        ? `${files.join(', ')} define ${bonds.map((b) => b.name).join(', ')}: name one with --bond`
        : `no bond${name ? ` ${name}` : ''} in ${files.join(', ')}`,
    );
  const refused = apply && applierRefuses(apply, bond);
  if (refused) throw new ConfigSelectionError(`--apply: ${refused}`);
  const { mode, slaves, ...options } = scenarioBond(bond) as Record<string, string | number | string[]>;
  const applies = cases.filter(
    (c) =>
      c.bond.mode === mode &&
      c.topology.slaves === slaves &&
      Object.keys(c.bond.options).every((o) => MONITORING.has(o)),
  );
  if (!applies.length)
    throw new ConfigSelectionError(
      `no case of the scenarios applies to ${bond.name} (mode ${String(mode)}, ${String(slaves)} ports)`,
    );
  return applies.map((c) => ({
    ...c,
    bond: { mode: c.bond.mode, options, config: { files, name: bond.name, ...(apply ? { apply } : {}) } },
    topology: { ...c.topology, arpTarget: Number(options.arp_interval ?? 0) > 0 },
  }));
}
