import { describe, expect, it } from 'vitest';
import { networkdScripts } from './apply-networkd.js';
import { applyScripts, interfacesFile } from './apply.js';
import { readConfig } from './read.js';

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
});
