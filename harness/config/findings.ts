/**
 * What `bondlab config check` finds in a configuration: each finding with its reason and the
 * file:line it is about. Errors are configurations that do not do what they say (no failover,
 * options the driver refuses, a port in two bonds); warnings are options that have no effect,
 * that a tool drops, or commands that no longer exist.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { OPTION_MODES } from '../bond/vocabulary.js';
import type { At, ConfigBond, ConfigFormat, ConfigModel, OptionValue, Valued } from './model.js';
import { IFENSLAVE_APPLIES, OPTION_NAMES } from './options.js';
import { PRIO_MODES } from './port-options.js';

export interface Finding {
  severity: 'error' | 'warning';
  /** A stable name for the kind of finding. */
  code: string;
  bond?: string;
  message: string;
  at: At;
}

const number = (bond: ConfigBond, option: string): number => Number(bond.options[option]?.value ?? 0);

/** Options the driver takes in every mode but that only some modes read (bonding.rst). */
const IGNORED_OUTSIDE: Record<string, string[]> = {
  xmit_hash_policy: ['balance-xor', '802.3ad', 'balance-tlb'],
  fail_over_mac: ['active-backup'],
  lp_interval: ['balance-tlb', 'balance-alb'],
  min_links: ['802.3ad'],
  all_slaves_active: ['active-backup', 'balance-tlb', 'balance-alb', '802.3ad'],
};

/** Options whose 0 netplan's networkd generator leaves out (0.106: `netplan generate` writes no ResendIGMP=, GratuitousARP=, PacketsPerSlave= for 0), where the kernel's default is 1. */
const NETPLAN_DROPS_ZERO = new Set(['resend_igmp', 'num_grat_arp', 'packets_per_slave']);

/** Where the paths' directories are searched for a command, as a login shell on Debian would. */
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** Commands of old guides, with what replaced them on current Debian. */
const GONE_COMMANDS: Record<string, { replacement: string; package?: string }> = {
  ifenslave: { replacement: 'slaves/bond-slaves in the stanza, or ip link set DEV master BOND' },
  ifconfig: { replacement: 'ip link / ip addr (iproute2)', package: 'net-tools' },
};

function bondFindings(bond: ConfigBond): Finding[] {
  const found: Finding[] = [];
  const add = (severity: Finding['severity'], code: string, message: string, at: At) =>
    found.push({ severity, code, bond: bond.name, message, at });
  const mode = String(bond.options.mode?.value ?? 'balance-rr');
  const where = (option: string) => bond.options[option]?.at ?? bond.at;
  const miimon = number(bond, 'miimon');
  const arpInterval = number(bond, 'arp_interval');
  if (miimon === 0 && arpInterval === 0) {
    add(
      'error',
      'no-link-monitoring',
      `${bond.name} has no link monitoring (miimon 0 and no arp_interval): a dead link is never noticed, so there is no failover`,
      bond.options.miimon?.at ?? bond.at,
    );
  }
  if (!bond.options.mode)
    add(
      'warning',
      'default-mode',
      `${bond.name} sets no mode: the kernel's default is balance-rr, which needs a static aggregation on the switch`,
      bond.at,
    );
  for (const [option, modes] of Object.entries(OPTION_MODES)) {
    const value = bond.options[option];
    if (!value || (option === 'arp_interval' && arpInterval === 0) || modes.includes(mode as (typeof modes)[number]))
      continue;
    const code =
      option === 'arp_interval'
        ? 'arp-monitoring-in-mode'
        : option.startsWith('primary')
          ? 'primary-in-mode'
          : 'option-refused-in-mode';
    add(
      'error',
      code,
      `${option} in mode ${mode}: the driver refuses it there (it takes it only in ${modes.join(', ')})`,
      value.at,
    );
  }
  for (const [option, modes] of Object.entries(IGNORED_OUTSIDE)) {
    const value = bond.options[option];
    if (value && !modes.includes(mode))
      add(
        'warning',
        'option-ignored-by-mode',
        `${option} has no effect in mode ${mode} (only in ${modes.join(', ')})`,
        value.at,
      );
  }
  if (arpInterval > 0 && miimon > 0)
    add(
      'warning',
      'miimon-and-arp',
      `both miimon and arp_interval are set: the driver keeps only the one written last (ifenslave and the module write miimon last, so ARP monitoring is off)`,
      where('arp_interval'),
    );
  if (arpInterval > 0 && !(bond.options.arp_ip_target?.value.length ?? 0))
    add(
      'error',
      'arp-without-target',
      `arp_interval ${arpInterval} without arp_ip_target: the ARP monitor has nothing to ask, every port is down`,
      where('arp_interval'),
    );
  const validate = String(bond.options.arp_validate?.value ?? 'none');
  if (arpInterval > 0 && validate === 'none' && mode === 'active-backup') {
    add(
      'warning',
      'arp-validate-none',
      `arp_validate none with ARP monitoring: behind a switch, the other ports' traffic (and the switch flooding the target's replies) keeps a backup port "up" after its path is gone; set arp_validate active, backup or all`,
      bond.options.arp_validate?.at ?? where('arp_interval'),
    );
  }
  for (const option of ['updelay', 'downdelay']) {
    const value = number(bond, option);
    if (value > 0 && miimon > 0 && value % miimon !== 0)
      add(
        'warning',
        'delay-not-multiple',
        `${option} ${value} is not a multiple of miimon ${miimon}: the kernel rounds it down to ${value - (value % miimon)}`,
        where(option),
      );
    if (value > 0 && miimon === 0)
      add('warning', 'delay-without-miimon', `${option} ${value} has no effect without miimon`, where(option));
  }
  for (const [option, value] of Object.entries(bond.options)) {
    const since = OPTION_NAMES.find((o) => o.kernel === option)?.since;
    if (since)
      add(
        'warning',
        'newer-kernel-option',
        `${option} came with Linux ${since}: older kernels (Debian 12's 6.1 among them) have no such option, and a tool that sends it there fails or leaves it out`,
        value.at,
      );
  }
  if (bond.ports.length === 1)
    add(
      'warning',
      'one-port',
      `${bond.name} has one port (${bond.ports[0]?.value}): nothing to fail over to`,
      bond.ports[0]?.at ?? bond.at,
    );
  const primary = bond.options.primary;
  if (primary && !bond.ports.some((p) => p.value === primary.value))
    add(
      'warning',
      'primary-not-a-port',
      `primary ${String(primary.value)} is not one of the ports (${bond.ports.map((p) => p.value).join(', ')})`,
      primary.at,
    );
  if (bond.format === 'netplan' || bond.format === 'networkd') {
    const through = bond.format === 'netplan' ? ' (netplan with its networkd renderer)' : '';
    const lp = bond.options.lp_interval;
    if (lp && lp.value !== '1' && arpInterval === 0)
      add(
        'warning',
        'dropped-by-networkd',
        `systemd-networkd${through} sends ${lp.key} only with ARP monitoring (src/network/netdev/bond.c: inside the arp_interval branch): without it the kernel keeps lp_interval 1`,
        lp.at,
      );
    const arpValidate = bond.options.arp_validate;
    if (arpValidate && String(arpValidate.value).startsWith('filter'))
      add(
        'warning',
        'dropped-by-networkd',
        `systemd-networkd${through} knows ARPValidate= none, active, backup and all only (bond-util.c): it ignores ${String(arpValidate.value)}, and the kernel keeps arp_validate none`,
        arpValidate.at,
      );
  }
  if (bond.format === 'netplan') {
    for (const [option, value] of Object.entries(bond.options)) {
      if (NETPLAN_DROPS_ZERO.has(option) && value.value === '0')
        add(
          'warning',
          'dropped-by-netplan',
          `netplan (0.106) writes ${value.key} only when it is not 0: with ${value.key}: 0 networkd sets nothing, and the kernel keeps its default ${option} 1`,
          value.at,
        );
    }
  }
  for (const set of bond.portOptions ?? []) {
    if (set.option === 'prio' && !PRIO_MODES.includes(mode))
      add(
        'warning',
        'option-ignored-by-mode',
        `prio of ${set.port} has no effect in mode ${mode} (only in ${PRIO_MODES.join(', ')})`,
        set.at,
      );
    if (set.option === 'prio' && bond.format === 'networkmanager')
      add(
        'warning',
        'ignored-by-networkmanager',
        `bond-port.prio came with NetworkManager 1.44 (its settings documentation): Debian 12's 1.42 does not set it, and the kernel keeps prio 0 for ${set.port}`,
        set.at,
      );
    if (set.key.replace(/_/g, '-') === 'bond-queue-id')
      add(
        'warning',
        'dropped-by-ifenslave',
        `Debian's ifenslave (2.13) writes ${set.key} to bonding/iface_queue_id, a file no kernel has: ${set.port} keeps queue_id 0`,
        set.at,
      );
  }
  if (bond.format === 'networkmanager') {
    for (const port of bond.ports.filter((p) => p.key === 'controller'))
      add(
        'warning',
        'ignored-by-networkmanager',
        `NetworkManager 1.42 (Debian 12) does not read controller= or port-type= (it reads master= and slave-type=): ${port.value} comes up on its own, outside ${bond.name} (seen in the VM)`,
        port.at,
      );
  }
  if (bond.format === 'ifupdown') {
    for (const [option, value] of Object.entries(bond.options)) {
      if (!value.key.startsWith('bond-')) continue;
      if (!IFENSLAVE_APPLIES.has(option))
        add(
          'warning',
          'dropped-by-ifenslave',
          `Debian's ifenslave (2.13) scripts do not write ${value.key}: the kernel keeps its default ${option}`,
          value.at,
        );
      if (option.startsWith('arp_'))
        add(
          'warning',
          'dropped-by-ifupdown2',
          `ifupdown2 (3.0.0) has no ${value.key}: with ifupdown2 this option is ignored (Debian's ifupdown applies it)`,
          value.at,
        );
    }
    if (miimon > 255 && bond.options.miimon?.key.startsWith('bond-'))
      add(
        'warning',
        'ifupdown2-miimon-range',
        `ifupdown2 (3.0.0) takes bond-miimon 0-255 only; ${miimon} is refused there`,
        where('miimon'),
      );
    for (const command of bond.commands) {
      const words = command.text.split(/[\s;&|]+/);
      for (const [name, info] of Object.entries(GONE_COMMANDS)) {
        if (!words.some((w) => w === name || w.endsWith(`/${name}`))) continue;
        if (PATH_DIRS.some((dir) => existsSync(`${dir}/${name}`))) continue;
        const install = info.package
          ? `; install ${info.package}, or use ${info.replacement}`
          : `; use ${info.replacement}`;
        add(
          'warning',
          'command-not-found',
          `${command.phase} runs ${name}, which is not installed here (${name === 'ifenslave' ? 'Debian has shipped no ifenslave program since ifenslave 2.0' : `not on current Debian by default`})${install}`,
          command.at,
        );
      }
    }
  }
  return found;
}

/** The program that writes a format's options to the kernel. */
const TOOL: Record<ConfigFormat, string> = {
  ifupdown: "Debian's ifenslave",
  modprobe: 'modprobe',
  netplan: 'systemd-networkd (from netplan)',
  networkmanager: 'NetworkManager',
  networkd: 'systemd-networkd',
};

/** Where a value comes from the module's parameters (`options bonding ...`), not from the tool's own file. */
const fromModule = (valued: Valued<OptionValue>) => valued.key.startsWith('options ');

/**
 * num_grat_arp and num_unsol_na are two names of one kernel value (bond_options.c's
 * BOND_OPT_NUM_PEER_NOTIF and its alias; netlink has one attribute for both): set to different
 * values, the kernel keeps the one written last. The module's parameters come first (when the
 * bond is made), in the order modprobe passes them; then the tool: Debian's ifenslave 2.13
 * writes num_grat_arp, then num_unsol_na (if-pre-up.d/ifenslave, setup_master).
 * NetworkManager refuses a profile with two different values (nm-setting-bond.c, verify) and
 * otherwise sends one, num_grat_arp's or else num_unsol_na's. netplan and networkd have one key.
 */
function peerNotifyFinding(model: ConfigModel, bond: ConfigBond): Finding | undefined {
  const grat = bond.options.num_grat_arp;
  const unsol = bond.options.num_unsol_na;
  if (!grat || !unsol || grat.value === unsol.value) return undefined;
  const where = (v: Valued<OptionValue>) => `${v.key} ${String(v.value)} (${v.at.file}:${v.at.line})`;
  let kept: Valued<OptionValue>;
  let why: string;
  if (fromModule(grat) !== fromModule(unsol)) {
    kept = fromModule(grat) ? unsol : grat;
    why = `${TOOL[bond.format]} writes it after the module's parameters set it`;
  } else if (fromModule(grat)) {
    const order = Object.keys(model.module.options);
    kept = order.indexOf('num_unsol_na') > order.indexOf('num_grat_arp') ? unsol : grat;
    why = 'the kernel reads module parameters in the order modprobe passes them, and this one comes last';
  } else if (bond.format === 'networkmanager') {
    return {
      severity: 'error',
      code: 'grat-arp-unsol-na-differ',
      bond: bond.name,
      message: `${where(grat)} and ${where(unsol)}: NetworkManager refuses the profile ("'num_grat_arp' and 'num_unsol_na' cannot have different values", nm-setting-bond.c), so the bond is not made; they are one value in the kernel`,
      at: unsol.at,
    };
  } else {
    kept = unsol;
    why = "Debian's ifenslave scripts write num_grat_arp first, then num_unsol_na";
  }
  const lost = kept === grat ? unsol : grat;
  return {
    severity: 'warning',
    code: 'grat-arp-unsol-na-differ',
    bond: bond.name,
    message: `${where(grat)} and ${where(unsol)} are one value in the kernel: it keeps ${String(kept.value)}, from ${kept.key}, because ${why}; ${lost.key} ${String(lost.value)} has no effect`,
    at: lost.at,
  };
}

export function findings(model: ConfigModel): Finding[] {
  const found = model.bonds.flatMap((bond) => {
    const peer = peerNotifyFinding(model, bond);
    return [...bondFindings(bond), ...(peer ? [peer] : [])];
  });
  for (const file of model.module.ignored) {
    found.push({
      severity: 'error',
      code: 'modprobe-not-conf',
      message: `kmod reads only files ending in .conf in /etc/modprobe.d: this file's aliases and options are ignored (name it ${basename(file)}.conf)`,
      at: { file, line: 1 },
    });
  }
  const owner = new Map<string, { bond: string; at: At }>();
  for (const bond of model.bonds) {
    for (const port of bond.ports) {
      const first = owner.get(port.value);
      if (first && first.bond !== bond.name)
        found.push({
          severity: 'error',
          code: 'port-in-two-bonds',
          bond: bond.name,
          message: `${port.value} is a port of ${first.bond} (${first.at.file}:${first.at.line}) and of ${bond.name}`,
          at: port.at,
        });
      else owner.set(port.value, { bond: bond.name, at: port.at });
    }
  }
  return found;
}
