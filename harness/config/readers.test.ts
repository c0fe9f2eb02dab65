import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigBond, ConfigFormat } from './model.js';
import { BOND_OPTIONS } from '../scenario/bond-options.js';
import { NETLINK_ONLY_OPTIONS } from './netlink-only.js';
import { OPTION_NAMES, parseTimeSpan } from './options.js';
import { readConfig } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'bondlab-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const F = 'fixtures/config';
const values = (bond: ConfigBond | undefined) =>
  Object.fromEntries(Object.entries(bond?.options ?? {}).map(([k, v]) => [k, v.value]));

/** A value the kernel takes for each option, as each format writes it, and what the kernel then holds. */
const SAMPLES: Record<
  string,
  { raw: Partial<Record<ConfigFormat, string>> & { text: string }; kernel: string | string[] }
> = {
  mode: { raw: { text: '1' }, kernel: 'active-backup' },
  miimon: { raw: { text: '100', networkd: '100ms', netplan: '100' }, kernel: '100' },
  updelay: { raw: { text: '200', networkd: '0.2s', netplan: '200ms' }, kernel: '200' },
  downdelay: { raw: { text: '300', networkd: '300ms', netplan: '300' }, kernel: '300' },
  peer_notif_delay: { raw: { text: '100', networkd: '100ms' }, kernel: '100' },
  use_carrier: { raw: { text: '1', ifupdown: 'yes' }, kernel: '1' },
  arp_interval: { raw: { text: '1000', networkd: '1s', netplan: '1000' }, kernel: '1000' },
  arp_ip_target: {
    raw: { text: '192.0.2.1 192.0.2.2', networkmanager: '192.0.2.1,192.0.2.2', netplan: '[192.0.2.1, 192.0.2.2]' },
    kernel: ['192.0.2.1', '192.0.2.2'],
  },
  arp_validate: { raw: { text: 'filter_active', networkd: 'filter-active' }, kernel: 'filter_active' },
  arp_all_targets: { raw: { text: 'all' }, kernel: 'all' },
  arp_missed_max: { raw: { text: '3' }, kernel: '3' },
  ns_ip6_target: { raw: { text: '2001:db8::1' }, kernel: ['2001:db8::1'] },
  primary: { raw: { text: 'eth0', networkd: 'yes' }, kernel: 'eth0' },
  primary_reselect: { raw: { text: 'better' }, kernel: 'better' },
  active_slave: { raw: { text: 'eth0', networkd: 'yes' }, kernel: 'eth0' },
  fail_over_mac: { raw: { text: '2' }, kernel: 'follow' },
  xmit_hash_policy: { raw: { text: 'layer3+4' }, kernel: 'layer3+4' },
  resend_igmp: { raw: { text: '3' }, kernel: '3' },
  num_grat_arp: { raw: { text: '5' }, kernel: '5' },
  num_unsol_na: { raw: { text: '5' }, kernel: '5' },
  all_slaves_active: { raw: { text: '1', ifupdown: 'on', netplan: 'true', networkd: 'yes' }, kernel: '1' },
  min_links: { raw: { text: '2' }, kernel: '2' },
  lp_interval: { raw: { text: '4', networkd: '4s', netplan: '4' }, kernel: '4' },
  packets_per_slave: { raw: { text: '3' }, kernel: '3' },
  tlb_dynamic_lb: { raw: { text: '0', ifupdown: 'off', networkd: 'false' }, kernel: '0' },
  lacp_rate: { raw: { text: '1' }, kernel: 'fast' },
  lacp_active: { raw: { text: 'off' }, kernel: 'off' },
  ad_select: { raw: { text: 'count' }, kernel: 'count' },
  ad_actor_sys_prio: { raw: { text: '100' }, kernel: '100' },
  ad_user_port_key: { raw: { text: '7' }, kernel: '7' },
  ad_actor_system: { raw: { text: '02:00:00:00:00:01' }, kernel: '02:00:00:00:00:01' },
  coupled_control: { raw: { text: '0' }, kernel: '0' },
  broadcast_neighbor: { raw: { text: '1' }, kernel: 'on' },
};

/** A file of the format that sets one option on bond0 over eth0 and eth1; the files to read. */
function fileWith(format: ConfigFormat, key: string, raw: string, name: string): string[] {
  const base = join(dir, name);
  if (format === 'ifupdown') {
    writeFileSync(base, `iface bond0 inet manual\n\tbond-slaves eth0 eth1\n\t${key} ${raw}\n`);
    return [base];
  }
  if (format === 'netplan') {
    writeFileSync(
      `${base}.yaml`,
      `network:\n  version: 2\n  ethernets:\n    eth0: {}\n    eth1: {}\n  bonds:\n    bond0:\n      interfaces: [eth0, eth1]\n      parameters:\n        ${key}: ${raw}\n`,
    );
    return [`${base}.yaml`];
  }
  if (format === 'networkmanager') {
    writeFileSync(
      `${base}.nmconnection`,
      `[connection]\nid=b\ntype=bond\ninterface-name=bond0\n\n[bond]\n${key}=${raw}\n`,
    );
    writeFileSync(
      `${base}-p.nmconnection`,
      `[connection]\nid=p\ntype=ethernet\ninterface-name=eth0\ncontroller=bond0\nport-type=bond\n`,
    );
    writeFileSync(
      `${base}-q.nmconnection`,
      `[connection]\nid=q\ntype=ethernet\ninterface-name=eth1\nmaster=b\nslave-type=bond\n`,
    );
    return [`${base}.nmconnection`, `${base}-p.nmconnection`, `${base}-q.nmconnection`];
  }
  // networkd: PrimarySlave= and ActiveSlave= go on the port's .network.
  const onPort = key === 'PrimarySlave' || key === 'ActiveSlave';
  writeFileSync(`${base}.netdev`, `[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\n${onPort ? '' : `${key}=${raw}\n`}`);
  writeFileSync(`${base}-0.network`, `[Match]\nName=eth0\n\n[Network]\nBond=bond0\n${onPort ? `${key}=${raw}\n` : ''}`);
  writeFileSync(`${base}-1.network`, `[Match]\nName=eth1\n\n[Network]\nBond=bond0\n`);
  return [`${base}.netdev`, `${base}-0.network`, `${base}-1.network`];
}

describe('every kernel option in every format that has it', () => {
  const formats = ['ifupdown', 'netplan', 'networkmanager', 'networkd'] as const;
  it('the table covers every option of the driver (bonding.rst) and the sample table every option', () => {
    expect(OPTION_NAMES.map((o) => o.kernel).sort()).toEqual(Object.keys(SAMPLES).sort());
    // The driver's options as the scenario language knows them (with their ranges), mode and active_slave, and those it cannot set.
    expect(OPTION_NAMES.map((o) => o.kernel).sort()).toEqual(
      [...Object.keys(BOND_OPTIONS), ...Object.keys(NETLINK_ONLY_OPTIONS), 'mode', 'active_slave'].sort(),
    );
  });
  it('the options bonding.rst has that Linux 6.1 lacks say since when, and one the driver shows over netlink only says so', () => {
    const newer = OPTION_NAMES.filter((o) => o.since).map((o) => `${o.kernel} ${o.since}`);
    expect(newer).toEqual(['coupled_control 6.9', 'broadcast_neighbor 6.17']);
    expect(OPTION_NAMES.filter((o) => o.sysfs === false).map((o) => o.kernel)).toEqual(['broadcast_neighbor']);
  });
  it('broadcast_neighbor: off or on (0 or 1), as the driver takes it, and only that', () => {
    const read = (value: string) =>
      readConfig(fileWith('ifupdown', 'bond-broadcast-neighbor', value, `bn-${value}`)).bonds[0]?.options
        .broadcast_neighbor?.value;
    expect([read('0'), read('off'), read('on')]).toEqual(['off', 'off', 'on']);
    expect(() => read('yes')).toThrow(
      /bond-broadcast-neighbor: broadcast_neighbor "yes": must be equal to one of the allowed values \(off, on\)/,
    );
    expect(() => read('2')).toThrow(/broadcast_neighbor 2 is not a value the kernel knows/);
  });
  for (const option of OPTION_NAMES) {
    for (const format of formats) {
      const key = format === 'netplan' ? option.netplan?.[0] : option[format];
      if (!key) continue;
      it(`${option.kernel} as ${format} ${key}`, () => {
        const sample = SAMPLES[option.kernel];
        if (!sample) throw new Error(`no sample for ${option.kernel}`);
        const raw = sample.raw[format] ?? sample.raw.text;
        const model = readConfig(fileWith(format, key, raw, `${format}-${option.kernel}`));
        const bond = model.bonds[0];
        expect(bond?.ports.map((p) => p.value)).toEqual(['eth0', 'eth1']);
        expect(bond?.options[option.kernel]?.value).toEqual(sample.kernel);
        expect(bond?.options[option.kernel]?.key).toBe(key);
        expect(bond?.options[option.kernel]?.at.line).toBeGreaterThan(0);
      });
    }
  }
});

describe('readers on real files', () => {
  it("ifupdown: Debian ifenslave's examples, bond-slaves and bond-master, several bond-primary", () => {
    const two = readConfig([`${F}/debian-ifenslave/two_ethernet.interfaces`]).bonds[0];
    expect(values(two)).toEqual({ mode: 'active-backup', miimon: '100', primary: 'eth0' });
    expect(two?.addressing?.method).toBe('dhcp');
    const hotplug = readConfig([`${F}/debian-ifenslave/two_hotplug_ethernet.interfaces`]).bonds[0];
    expect(hotplug?.ports.map((p) => [p.value, p.key, p.at.line])).toEqual([
      ['eth0', 'bond-master', 10],
      ['eth1', 'bond-master', 15],
    ]);
    expect(hotplug?.options.primary?.at.line).toBe(11);
    // bond-give-a-chance is ifenslave's own (a Wi-Fi workaround), not a bond of its own.
    expect(readConfig([`${F}/debian-ifenslave/ethernet+wifi.interfaces`]).bonds.map((b) => b.name)).toEqual(['bond0']);
  });

  it('ifupdown: static addressing with netmask, hwaddress, commands, ports from ifenslave in up', () => {
    const bond = readConfig(['scenarios/config/interfaces-ifenslave']).bonds[0];
    expect(bond?.addressing).toMatchObject({
      method: 'static',
      addresses: ['192.168.1.10/24'],
      gateway: '192.168.1.1',
    });
    expect(bond?.ports.map((p) => [p.value, p.key])).toEqual([
      ['eth0', 'ifenslave'],
      ['eth1', 'ifenslave'],
    ]);
    expect(bond?.commands.map((c) => c.phase)).toEqual(['pre-up', 'up', 'down']);
    expect(readConfig(['scenarios/config/interfaces-dhcp']).bonds[0]?.hwaddress?.value).toBe('02:00:00:00:b0:0d');
  });

  it('ifupdown: source with a glob, relative to the including file', () => {
    const root = join(dir, 'src');
    mkdirSync(join(root, 'interfaces.d'), { recursive: true });
    writeFileSync(join(root, 'interfaces'), 'source interfaces.d/*\n');
    writeFileSync(
      join(root, 'interfaces.d', 'bond0'),
      'iface bond0 inet manual\n\tbond-slaves eth0 eth1\n\tbond-miimon 100\n',
    );
    writeFileSync(join(root, 'interfaces.d', 'eth2'), 'iface eth2 inet manual\n\tbond-master bond0\n');
    const model = readConfig([join(root, 'interfaces')]);
    expect(model.files.map((f) => f.file.replace(root, ''))).toEqual([
      '/interfaces',
      '/interfaces.d/bond0',
      '/interfaces.d/eth2',
    ]);
    expect(model.bonds[0]?.ports.map((p) => p.value)).toEqual(['eth0', 'eth1', 'eth2']);
  });

  it('modprobe.d: options of an alias are the defaults of the bond; its own options win', () => {
    const model = readConfig(['scenarios/config/aliases-bond.conf', 'scenarios/config/interfaces-static']);
    expect(model.module.aliases.map((a) => a.value)).toEqual(['bond0']);
    expect(values(model.bonds[0])).toEqual({ mode: 'balance-rr', miimon: '200' });
    expect(model.bonds[0]?.options.miimon?.at).toEqual({ file: 'scenarios/config/aliases-bond.conf', line: 2 });
    const own = join(dir, 'own');
    writeFileSync(own, 'iface bond0 inet manual\n\tslaves eth0 eth1\n\tbond-miimon 50\n');
    expect(readConfig(['scenarios/config/aliases-bond.conf', own]).bonds[0]?.options.miimon?.value).toBe('50');
  });

  it('modprobe.d: a file not named *.conf counts for nothing, as kmod skips it', () => {
    const model = readConfig([`${F}/guide/aliases-bond`, 'scenarios/config/interfaces-static']);
    expect(model.module.ignored).toEqual([`${F}/guide/aliases-bond`]);
    expect(values(model.bonds[0])).toEqual({});
  });

  it('netplan, and the networkd and NetworkManager files netplan 0.106 generates from it, give the same bond', () => {
    const fromNetplan = readConfig([`${F}/netplan/bond-all.yaml`]).bonds[0];
    const fromNetworkd = readConfig([`${F}/networkd-from-netplan`]).bonds[0];
    const fromNm = readConfig([`${F}/nm-from-netplan`]).bonds[0];
    // netplan writes num_unsol_na beside num_grat_arp for NetworkManager (the kernel's two names of one value).
    const { num_unsol_na: unsol, ...nm } = values(fromNm);
    expect(unsol).toBe('3');
    // The netplan file sets arp-interval 0, which netplan passes on; so do the others.
    expect(values(fromNetworkd)).toEqual(values(fromNetplan));
    expect(nm).toEqual(values(fromNetplan));
    for (const bond of [fromNetplan, fromNetworkd, fromNm]) {
      expect(bond?.ports.map((p) => p.value)).toEqual(['enp1s0', 'enp2s0']);
      expect(bond?.addressing?.addresses).toEqual(['192.168.1.252/24']);
    }
  });

  it("netplan's own example (canonical/netplan examples/bonding.yaml)", () => {
    const bond = readConfig([`${F}/netplan/bonding.yaml`]).bonds[0];
    expect(values(bond)).toEqual({ mode: 'active-backup', primary: 'enp3s0', miimon: '100' });
    expect(bond?.addressing?.method).toBe('dhcp');
    expect(bond?.options.miimon?.at.line).toBe(16);
  });

  it('networkd: repeated ARPIPTargets= add up, time spans become ms, MACAddress=, DHCP in the bond .network', () => {
    const bond = readConfig([`${F}/networkd`]).bonds[0];
    expect(bond?.options.arp_ip_target?.value).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(bond?.options.miimon?.value).toBe('100');
    expect(bond?.hwaddress?.value).toBe('02:00:00:00:00:20');
    expect(bond?.addressing?.method).toBe('dhcp');
    expect(bond?.ports.map((p) => p.value)).toEqual(['eth0', 'eth1']);
  });

  it('time spans as systemd and netplan write them', () => {
    expect(parseTimeSpan('1s 500ms', 's')).toBe(1500);
    expect(parseTimeSpan('2', 's')).toBe(2000);
    expect(parseTimeSpan('2', 'ms')).toBe(2);
    expect(parseTimeSpan('1min', 's')).toBe(60000);
    expect(parseTimeSpan('fast', 's')).toBeUndefined();
  });
});
