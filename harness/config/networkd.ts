/**
 * systemd-networkd: a `.netdev` with `[NetDev] Kind=bond` and `[Bond]` options
 * (systemd.netdev(5)), `.network` files whose `[Network] Bond=` makes the matched interface a
 * port, with `PrimarySlave=`/`ActiveSlave=` there (systemd.network(5)), and the bond's own
 * `.network` for its addressing.
 */
import { newBond, setOption, type FilePart } from './collect.js';
import { keySections, type KeySection } from './lines.js';
import { ConfigError, type ConfigBond } from './model.js';
import { optionFor, toKernelValue } from './options.js';

function entries(sections: KeySection[], section: string, key?: string) {
  return sections
    .filter((s) => s.name === section)
    .flatMap((s) => s.entries.filter((e) => key === undefined || e.key === key));
}

export function readNetdev(text: string, file: string, part: FilePart): void {
  const sections = keySections(text, file);
  const kind = entries(sections, 'NetDev', 'Kind').pop();
  if (kind?.value !== 'bond') return;
  const name = entries(sections, 'NetDev', 'Name').pop();
  if (!name) throw new ConfigError({ file, line: kind.line }, '[NetDev] needs Name=');
  const bond = newBond(name.value, 'networkd', { file, line: name.line });
  part.bonds.push(bond);
  for (const entry of entries(sections, 'Bond')) {
    // An empty assignment resets a list, as systemd does.
    if (entry.value === '' && entry.key === 'ARPIPTargets') {
      delete bond.options.arp_ip_target;
      continue;
    }
    setOption(bond, 'networkd', entry.key, entry.value, { file, line: entry.line });
  }
  const mac = entries(sections, 'NetDev', 'MACAddress').pop();
  if (mac) bond.hwaddress = { value: mac.value, key: 'MACAddress', at: { file, line: mac.line } };
}

/** A .network file: a port of a bond (Bond=), or the bond's own addressing (read after the .netdev files). */
export function readNetwork(text: string, file: string, part: FilePart, bonds: () => ConfigBond[]): void {
  const sections = keySections(text, file);
  const names = entries(sections, 'Match', 'Name').flatMap((e) => e.value.split(/\s+/).filter(Boolean));
  const bondKey = entries(sections, 'Network', 'Bond').pop();
  if (bondKey) {
    if (!names.length) throw new ConfigError({ file, line: bondKey.line }, 'Bond= in a .network without [Match] Name=');
    for (const port of names) {
      const options: Record<string, { value: string; key: string; at: { file: string; line: number } }> = {};
      for (const key of ['PrimarySlave', 'ActiveSlave']) {
        const entry = entries(sections, 'Network', key).pop();
        const option = optionFor('networkd', key);
        if (!entry || !option) continue;
        const truth = toKernelValue({ ...option, kinds: { networkd: 'bool' } }, 'networkd', entry.value);
        if ('problem' in truth) throw new ConfigError({ file, line: entry.line }, `${key}: ${truth.problem}`);
        if (truth.value === '1') options[option.kernel] = { value: port, key, at: { file, line: entry.line } };
      }
      part.ports.push({ bond: bondKey.value, port, key: 'Bond', at: { file, line: bondKey.line }, options });
    }
    return;
  }
  const bond = bonds().find((b) => names.includes(b.name));
  if (!bond) return;
  const dhcp = entries(sections, 'Network', 'DHCP').pop();
  const addresses = [...entries(sections, 'Network', 'Address'), ...entries(sections, 'Address', 'Address')].map(
    (e) => e.value,
  );
  const gateway = entries(sections, 'Network', 'Gateway').pop();
  const dhcp4 = dhcp && ['yes', 'true', 'ipv4', '1', 'on'].includes(dhcp.value);
  bond.addressing = {
    method: dhcp4 ? 'dhcp' : addresses.length ? 'static' : 'none',
    addresses,
    ...(gateway ? { gateway: gateway.value } : {}),
    at: { file, line: (dhcp ?? sections[0])?.line ?? 1 },
  };
}
