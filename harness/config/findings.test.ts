import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findings } from './findings.js';
import { readConfig } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'bondlab-findings-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
/** The findings of an interfaces stanza for bond0, as code@line. */
function found(stanza: string, extra: string[] = []): string[] {
  const file = join(dir, `interfaces-${count++}`);
  writeFileSync(
    file,
    `iface bond0 inet manual\n${stanza
      .trim()
      .split('\n')
      .map((l) => `\t${l.trim()}`)
      .join('\n')}\n`,
  );
  return findings(readConfig([...extra, file])).map((f) => `${f.code}@${f.at.line}`);
}

describe('config check findings, each at the line it is about', () => {
  it('no link monitoring at all: no failover', () => {
    expect(found('slaves eth0 eth1\nbond-mode active-backup')).toEqual(['no-link-monitoring@1']);
    expect(found('slaves eth0 eth1\nbond-mode active-backup\nbond-miimon 0')).toEqual(['no-link-monitoring@4']);
  });
  it('a bond that sets no mode gets balance-rr', () => {
    expect(found('slaves eth0 eth1\nbond-miimon 100')).toEqual(['default-mode@1']);
  });
  it('ARP monitoring in a mode that does not take it', () => {
    expect(
      found(
        'slaves eth0 eth1\nbond-mode 802.3ad\nbond-miimon 100\nbond-arp-interval 100\nbond-arp-ip-target 192.0.2.1',
      ),
    ).toContain('arp-monitoring-in-mode@5');
  });
  it('arp_validate none with ARP monitoring in active-backup; an ARP monitor without targets', () => {
    expect(
      found('slaves eth0 eth1\nbond-mode active-backup\nbond-arp-interval 100\nbond-arp-ip-target 192.0.2.1'),
    ).toEqual(['arp-validate-none@4', 'dropped-by-ifupdown2@4', 'dropped-by-ifupdown2@5']);
    expect(found('slaves eth0 eth1\nbond-mode active-backup\nbond-arp-interval 100\nbond-arp-validate all')).toContain(
      'arp-without-target@4',
    );
  });
  it('updelay and downdelay not multiples of miimon, or without it', () => {
    expect(found('slaves eth0 eth1\nbond-mode 1\nbond-miimon 100\nbond-updelay 250\nbond-downdelay 200')).toEqual([
      'delay-not-multiple@5',
    ]);
  });
  it('options the mode ignores, primary outside the modes that use it', () => {
    expect(
      found('slaves eth0 eth1\nbond-mode balance-rr\nbond-miimon 100\nbond-primary eth0\nbond-fail-over-mac active'),
    ).toEqual(['primary-in-mode@5', 'option-ignored-by-mode@6']);
    expect(found('slaves eth0 eth1\nbond-mode active-backup\nbond-miimon 100\nbond-lacp-rate fast')).toEqual([
      'option-refused-in-mode@5',
    ]);
  });
  it('options a tool drops: Debian ifenslave and bond-min-links, ifupdown2 and bond-arp-*, ifupdown2 and miimon over 255', () => {
    expect(found('slaves eth0 eth1\nbond-mode 4\nbond-miimon 1000\nbond-min-links 1')).toEqual([
      'dropped-by-ifenslave@5',
      'ifupdown2-miimon-range@4',
    ]);
  });
  it('commands that no longer exist: the ifenslave program', () => {
    expect(
      found(
        'pre-up modprobe bond0\nup ifenslave bond0 eth0 eth1\ndown ifenslave -d bond0 eth0 eth1\nbond-mode 1\nbond-miimon 100',
      ),
    ).toEqual(['command-not-found@3', 'command-not-found@4']);
  });
  it("options newer than Debian 12's kernel, each at its line; broadcast_neighbor outside 802.3ad is refused", () => {
    expect(
      found('slaves eth0 eth1\nbond-mode 4\nbond-miimon 100\nbond-coupled-control 0\nbond-broadcast-neighbor on'),
    ).toEqual(['newer-kernel-option@5', 'newer-kernel-option@6', 'dropped-by-ifenslave@5', 'dropped-by-ifenslave@6']);
    expect(found('slaves eth0 eth1\nbond-mode 1\nbond-miimon 100\nbond-broadcast-neighbor 1')).toContain(
      'option-refused-in-mode@5',
    );
  });
  it('a bond with one port; a primary that is no port', () => {
    expect(found('slaves eth0\nbond-mode 1\nbond-miimon 100\nbond-primary eth5')).toEqual([
      'one-port@2',
      'primary-not-a-port@5',
    ]);
  });
  it('a port named in two bonds', () => {
    const file = join(dir, 'two');
    writeFileSync(
      file,
      'iface bond0 inet manual\n\tslaves eth0 eth1\n\tbond-mode 1\n\tbond-miimon 100\niface bond1 inet manual\n\tslaves eth1 eth2\n\tbond-mode 1\n\tbond-miimon 100\n',
    );
    expect(findings(readConfig([file])).map((f) => `${f.code}@${f.at.line}`)).toEqual(['port-in-two-bonds@6']);
  });
  it("a modprobe.d file kmod skips (the guide's aliases-bond without .conf)", () => {
    expect(found('slaves eth0 eth1', ['fixtures/config/guide/aliases-bond'])).toEqual([
      'no-link-monitoring@1',
      'default-mode@1',
      'modprobe-not-conf@1',
    ]);
    expect(found('slaves eth0 eth1', ['scenarios/config/aliases-bond.conf'])).toEqual([]);
  });
});

describe('num_grat_arp and num_unsol_na, one value in the kernel', () => {
  const peer = (paths: string[]) => findings(readConfig(paths)).filter((f) => f.code === 'grat-arp-unsol-na-differ');

  it('ifupdown: ifenslave writes num_unsol_na last, so its value is kept; the finding names both lines', () => {
    const file = join(dir, 'peer-ifupdown');
    writeFileSync(
      file,
      'iface bond0 inet manual\n\tslaves eth0 eth1\n\tbond-mode 1\n\tbond-miimon 100\n\tbond-num-unsol-na 2\n\tbond-num-grat-arp 5\n',
    );
    const [finding, ...more] = peer([file]);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ severity: 'warning', at: { file, line: 6 } });
    expect(finding?.message).toContain(`bond-num-grat-arp 5 (${file}:6) and bond-num-unsol-na 2 (${file}:5)`);
    expect(finding?.message).toContain('it keeps 2, from bond-num-unsol-na');
  });

  it('the same value twice is no finding', () => {
    const file = join(dir, 'peer-same');
    writeFileSync(
      file,
      'iface bond0 inet manual\n\tslaves eth0 eth1\n\tbond-mode 1\n\tbond-miimon 100\n\tbond-num-grat-arp 3\n\tbond-num-unsol-na 3\n',
    );
    expect(peer([file])).toEqual([]);
  });

  it('NetworkManager refuses a profile with two different values: an error, at num_unsol_na', () => {
    const bond = join(dir, 'peer.nmconnection');
    writeFileSync(
      bond,
      '[connection]\nid=b\ntype=bond\ninterface-name=bond0\n\n[bond]\nmode=active-backup\nmiimon=100\nnum_grat_arp=4\nnum_unsol_na=1\n',
    );
    const port = (name: string) => {
      const file = join(dir, `peer-${name}.nmconnection`);
      writeFileSync(
        file,
        `[connection]\nid=${name}\ntype=ethernet\ninterface-name=${name}\ncontroller=bond0\nport-type=bond\n`,
      );
      return file;
    };
    const [finding] = peer([bond, port('eth0'), port('eth1')]);
    expect(finding).toMatchObject({ severity: 'error', at: { file: bond, line: 10 } });
    expect(finding?.message).toContain(`num_grat_arp 4 (${bond}:9) and num_unsol_na 1 (${bond}:10)`);
    expect(finding?.message).toContain('NetworkManager refuses the profile');
  });

  it("modprobe.d: of the module's two parameters the later one is kept; a tool's own value beats the module's", () => {
    const conf = join(dir, 'peer.conf');
    writeFileSync(conf, 'alias bond0 bonding\noptions bond0 mode=1 miimon=100 num_unsol_na=7 num_grat_arp=2\n');
    const stanza = join(dir, 'peer-stanza');
    writeFileSync(stanza, 'iface bond0 inet manual\n\tslaves eth0 eth1\n');
    const [moduleOnly] = peer([conf, stanza]);
    expect(moduleOnly?.message).toContain('it keeps 2, from options num_grat_arp');
    expect(moduleOnly?.at).toEqual({ file: conf, line: 2 });
    const own = join(dir, 'peer-own');
    writeFileSync(own, 'iface bond0 inet manual\n\tslaves eth0 eth1\n\tbond-num-grat-arp 9\n');
    const [toolWins] = peer([conf, own]);
    expect(toolWins?.message).toContain('it keeps 9, from bond-num-grat-arp');
    expect(toolWins?.message).toContain(`options num_unsol_na 7 (${conf}:2)`);
  });
});

describe('netplan', () => {
  it('netplan 0.106 leaves out resend-igmp, gratuitous-arp and packets-per-member when 0: the kernel keeps 1', () => {
    const file = join(dir, 'zeros.yaml');
    writeFileSync(
      file,
      'network:\n  version: 2\n  ethernets:\n    eth0: {}\n    eth1: {}\n  bonds:\n    bond0:\n      interfaces: [eth0, eth1]\n      parameters:\n        mode: balance-rr\n        mii-monitor-interval: 100\n        resend-igmp: 0\n        gratuitous-arp: 0\n        packets-per-member: 0\n        min-links: 0\n',
    );
    // min-links 0 is the kernel's default: nothing is lost.
    const codes = findings(readConfig([file])).map((f) => `${f.code}@${f.at.line}`);
    expect(codes.filter((c) => c.startsWith('dropped-by-netplan'))).toEqual([
      'dropped-by-netplan@12',
      'dropped-by-netplan@13',
      'dropped-by-netplan@14',
    ]);
  });

  it('the valid netplan fixtures (one per mode family) have no finding but the options their mode ignores', () => {
    const codes = (name: string) =>
      findings(readConfig([`fixtures/config/netplan/${name}.yaml`])).map((f) => `${f.code} ${f.message.split(' ')[0]}`);
    expect(codes('bond-active-backup')).toEqual(['option-ignored-by-mode min_links']);
    expect(codes('bond-arp')).toEqual(['option-ignored-by-mode lp_interval']);
    expect(codes('bond-802.3ad')).toEqual([]);
    expect(codes('bond-balance-rr')).toEqual([]);
    expect(codes('bond-balance-tlb')).toEqual([]);
  });

  it('systemd-networkd leaves out learn-packet-interval without ARP monitoring and arp-validate filter values', () => {
    const at = (files: string[]) =>
      findings(readConfig(files))
        .filter((f) => f.code === 'dropped-by-networkd')
        .map((f) => `${f.message.split(' ')[0]}@${f.at.line}`);
    expect(at(['fixtures/config/netplan/networkd-drops.yaml'])).toEqual(['systemd-networkd@15', 'systemd-networkd@16']);
    expect(at(['fixtures/config/netplan/bond-arp.yaml'])).toEqual([]);
    const netdev = join(dir, 'drops.netdev');
    writeFileSync(
      netdev,
      '[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=active-backup\nMIIMonitorSec=100ms\nLearnPacketIntervalSec=4\nARPValidate=filter-active\n',
    );
    const ports = join(dir, 'drops.network');
    writeFileSync(ports, '[Match]\nName=eth0 eth1\n\n[Network]\nBond=bond0\n');
    expect(at([netdev, ports])).toEqual(['systemd-networkd@8', 'systemd-networkd@9']);
  });
});
