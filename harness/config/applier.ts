/**
 * The applier a case's configured bond gets: the tool its reference names (ifupdown,
 * systemd-networkd for networkd and netplan files, NetworkManager for keyfiles), the check
 * against sysfs, and the way back.
 */
import type { ConfigBondRef } from '../scenario/plan.js';
import type { Target } from '../target/target.js';
import { networkdScripts } from './apply-networkd.js';
import { nmScripts } from './apply-nm.js';
import {
  applyScripts,
  compareApplied,
  NotAppliedError,
  type ApplyScripts,
  type DhcpServer,
  type Names,
} from './apply.js';
import type { ConfigBond, ConfigModel } from './model.js';
import { comparePortOptions, portSettingCommands } from './port-options.js';
import { fetchedNmRoot } from './nm-root.js';
import { readConfig } from './read.js';

/** The model and the bond a case's reference names (read again at build time: the files are the user's, not the plan's). */
export function loadRef(ref: ConfigBondRef): { model: ConfigModel; bond: ConfigBond } {
  const model = readConfig(ref.files);
  const bond = model.bonds.find((b) => b.name === ref.name);
  if (!bond) throw new Error(`no bond ${ref.name} in ${ref.files.join(', ')} any more`);
  return { model, bond };
}

/** The `ip link set` lines that give a configured bond's ports their queue ids and priorities, when bondlab builds the bond itself. */
export function configPortSettings(ref: ConfigBondRef, names: Names): string[] {
  return portSettingCommands(loadRef(ref).bond, names);
}

/** What buildTopology needs to bring a configured bond up with its tool: the scripts, the check, the way back. */
export interface Applier {
  scripts(names: Names & { ipv4: string; server?: DhcpServer }): ApplyScripts;
  verify(netns: string, names: Names): Promise<void>;
  restore(): Promise<void>;
}

export function configApplier(target: Target, ref: ConfigBondRef): Applier {
  if (target.kind !== 'vm')
    throw new Error(
      `apply: ${ref.apply} rewrites the system's network configuration and reloads the bonding module; it runs only on --target vm, not on ${target.description}`,
    );
  const { model, bond } = loadRef(ref);
  // Checked before anything is built: the guest runs NetworkManager from the host's cache.
  const nmRoot = ref.apply === 'networkmanager' ? fetchedNmRoot() : undefined;
  let after: string | undefined;
  let ipv4: string | undefined;
  return {
    scripts(names) {
      const scripts = nmRoot
        ? nmScripts(model, bond, names, names.ipv4, nmRoot, names.server)
        : (ref.apply === 'ifupdown' ? applyScripts : networkdScripts)(model, bond, names, names.ipv4, names.server);
      after = scripts.after;
      ipv4 = names.ipv4;
      return scripts;
    },
    async verify(netns, names) {
      const mismatches = [
        ...(await compareApplied(target, netns, bond, names, ipv4)),
        ...(await comparePortOptions(target, netns, bond, names)),
      ];
      if (mismatches.length) throw new NotAppliedError(mismatches);
    },
    async restore() {
      if (after) await target.exec(['sh', '-c', after]);
    },
  };
}
