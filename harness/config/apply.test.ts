import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Target } from '../target/target.js';
import { networkdScripts } from './apply-networkd.js';
import { absentReason, applyScripts, compareApplied, interfacesFile, NotAppliedError, releaseBefore } from './apply.js';
import { readConfig } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'bondlab-apply-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const guide = (stanza: string) => {
  const model = readConfig(['scenarios/config/aliases-bond.conf', `scenarios/config/${stanza}`]);
  const bond = model.bonds[0];
  if (!bond) throw new Error(`no bond in ${stanza}`);
  return { model, bond };
};
const names = { bond: 'bond0', ports: ['eth0', 'eth1'] };
const server = { iface: 'br0', ipv4: '198.18.3.253' };

describe('the scripts that bring a configured bond up with ifupdown', () => {
  it("keeps the guide's dhcp stanza dhcp, and serves exactly the topology's address from dnsmasq on the far side", () => {
    const { model, bond } = guide('interfaces-dhcp');
    expect(interfacesFile(bond, names, '198.18.3.1')).toContain('iface bond0 inet dhcp\n');
    const scripts = applyScripts(model, bond, names, '198.18.3.1', server);
    expect(scripts.server).toContain('ip addr add 198.18.3.253/24 dev br0');
    expect(scripts.server).toMatch(/dnsmasq .*--interface=br0 .*--bind-interfaces/);
    expect(scripts.server).toContain('--dhcp-range=198.18.3.1,198.18.3.1,255.255.255.0,1h');
    // No file of its own (lease, pid) and no router or DNS server for dhclient-script to install.
    expect(scripts.server).toContain('--leasefile-ro --pid-file=');
    expect(scripts.server).toContain('--dhcp-option=3 --dhcp-option=6');
    // The address is the lease, not one the harness adds.
    expect(scripts.up).not.toContain('ip addr replace');
    expect(scripts.after).toContain('rm -f /var/lib/dhcp/dhclient.bond0.leases');
    expect(scripts.after).toContain('/etc/resolv.conf');
  });

  it('refuses a dhcp stanza without a DHCP server rather than bring it up without an address', () => {
    const { model, bond } = guide('interfaces-dhcp');
    expect(() => applyScripts(model, bond, names, '198.18.3.1')).toThrow(/over DHCP, and no DHCP server/);
  });

  it('a static stanza gets no server and the topology address', () => {
    const { model, bond } = guide('interfaces-static');
    const scripts = applyScripts(model, bond, names, '198.18.3.1', server);
    expect(interfacesFile(bond, names, '198.18.3.1')).toMatch(/iface bond0 inet static\n\taddress 198\.18\.3\.1\/24\n/);
    expect(scripts.server).toBeUndefined();
    expect(scripts.up).toContain('ip addr replace 198.18.3.1/24 dev bond0');
  });
});

describe('the scripts that bring a networkd or netplan bond up with systemd-networkd', () => {
  it("maps the networkd files' bond and port names onto the topology's and starts networkd with /sys read-only", () => {
    const model = readConfig(['fixtures/config/networkd']);
    const bond = model.bonds[0];
    if (!bond) throw new Error('no bond');
    const scripts = networkdScripts(model, bond, names, '198.18.3.1', server);
    expect(scripts.before).toContain("cat > '/run/systemd/network/bondlab-25-bond1.netdev' <<'BONDLAB_EOF'\n");
    expect(scripts.before).toContain('[NetDev]\nName=bond0\nKind=bond\n');
    expect(scripts.before).toContain('[Match]\nName=eth0 eth1\n\n[Network]\nBond=bond0\n');
    expect(scripts.up).toContain(
      "unshare -m sh -c 'mount -o bind,remount,ro /sys && exec /lib/systemd/systemd-networkd'",
    );
    // The fixture's bond .network says DHCP=ipv4: networkd's own client leases from the far side's dnsmasq.
    expect(scripts.server).toContain('dnsmasq');
    expect(scripts.up).not.toContain('ip addr replace');
    expect(scripts.after).toContain('rm -f /run/systemd/network/bondlab-*');
  });

  it('runs netplan generate on the mapped netplan file and hands its output to networkd', () => {
    const model = readConfig(['fixtures/config/netplan/bond-all.yaml']);
    const bond = model.bonds[0];
    if (!bond) throw new Error('no bond');
    const scripts = networkdScripts(model, bond, names, '198.18.3.1', server);
    expect(scripts.before).toContain('interfaces: [eth0, eth1]');
    expect(scripts.before).toContain('primary: eth0');
    expect(scripts.before).not.toMatch(/enp[12]s0/);
    expect(scripts.before).toContain('/usr/libexec/netplan/generate --root-dir /run/bondlab-networkd/root');
    expect(scripts.server).toBeUndefined();
    expect(scripts.up).toContain('ip addr replace 198.18.3.1/24 dev bond0');
  });

  it('a netplan file known by its content (no .yaml name) gets a .yaml name in /etc/netplan, the only files netplan reads', () => {
    const model = readConfig(['scenarios/config/netplan-active-backup']);
    expect(model.files).toEqual([{ file: 'scenarios/config/netplan-active-backup', format: 'netplan' }]);
    const bond = model.bonds[0];
    if (!bond) throw new Error('no bond');
    const scripts = networkdScripts(model, bond, names, '198.18.3.1', server);
    expect(scripts.before).toContain("cat > '/run/bondlab-networkd/root/etc/netplan/netplan-active-backup.yaml'");
  });
});

describe('reading an applied bond back: an option the kernel does not have is reported as such', () => {
  /** What the bond's sysfs directory holds on Linux 6.1 for an 802.3ad bond (recorded text, trimmed to these files). */
  const sysfs61 = [
    'bonding/mode\t802.3ad 4 ',
    'bonding/miimon\t100 ',
    'bonding/slaves\teth0 eth1 ',
    'address\t02:00:00:00:00:01 ',
  ];
  const target = (release: string): Pick<Target, 'exec'> => ({
    async exec(argv) {
      const stdout = argv[0] === 'uname' ? `${release}\n` : `${sysfs61.join('\n')}\n`;
      return { argv, exitCode: 0, signal: null, stdout, stderr: '', timedOut: false, durationMs: 0 };
    },
  });

  it('Linux 6.1 has neither coupled_control nor broadcast_neighbor: both named with the release that added them, apart from values that differ', async () => {
    const file = join(dir, 'newer');
    writeFileSync(
      file,
      'iface bond0 inet manual\n\tbond-slaves eth0 eth1\n\tbond-mode 802.3ad\n\tbond-miimon 200\n\tbond-coupled-control 0\n\tbond-broadcast-neighbor on\n',
    );
    const bond = readConfig([file]).bonds[0];
    if (!bond) throw new Error('no bond');
    const mismatches = await compareApplied(target('6.1.0-28-amd64'), 'ns', bond, names);
    expect(mismatches.map((m) => [m.option, m.at.line, m.absent])).toEqual([
      ['miimon', 4, undefined],
      [
        'coupled_control',
        5,
        'the running kernel (Linux 6.1.0-28-amd64) has no coupled_control: it came with Linux 6.9',
      ],
      [
        'broadcast_neighbor',
        6,
        'the running kernel (Linux 6.1.0-28-amd64) has no broadcast_neighbor: it came with Linux 6.17',
      ],
    ]);
    const message = new NotAppliedError(mismatches).message;
    expect(message).toMatch(
      /^the configuration did not take effect as written:\n.*:4: bond-miimon -> miimon: expected 200, the kernel has 100\noptions this kernel does not show in sysfs:\n/,
    );
    expect(message).toContain(
      ':6: bond-broadcast-neighbor -> broadcast_neighbor: the running kernel (Linux 6.1.0-28-amd64) has no broadcast_neighbor',
    );
  });

  it('a kernel that has broadcast_neighbor still shows it over netlink only', () => {
    expect(absentReason('broadcast_neighbor', '6.17.1')).toBe(
      'the kernel shows broadcast_neighbor over netlink only, not in sysfs, so it cannot be read back here',
    );
    expect(absentReason('coupled_control', '6.12.0-1-amd64')).toBeUndefined();
    expect(absentReason('miimon', '6.1.0')).toBeUndefined();
  });

  it('kernel releases compare by major and minor number', () => {
    expect(releaseBefore('6.1.0-28-amd64', '6.9')).toBe(true);
    expect(releaseBefore('6.10.2', '6.9')).toBe(false);
    expect(releaseBefore('6.9', '6.9')).toBe(false);
    expect(releaseBefore('5.19.0', '6.17')).toBe(true);
  });
});
