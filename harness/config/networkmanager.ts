/**
 * NetworkManager keyfiles (nm-settings-keyfile(5)): a bond profile (`[connection] type=bond`,
 * `[bond]` with the kernel's option names, `[ipv4]`) and port profiles that name it with
 * `controller=` (older: `master=`) and `port-type=bond` (`slave-type=`), by interface name,
 * connection id or uuid; a port's `[bond-port]` queue-id and prio.
 */
import { newBond, portOption, setOption, type FilePart } from './collect.js';
import { keySections, type KeySection } from './lines.js';
import { ConfigError } from './model.js';

const PORT_KEYS: Record<string, 'queue_id' | 'prio'> = { 'queue-id': 'queue_id', prio: 'prio' };

function last(sections: KeySection[], section: string, key: string): { value: string; line: number } | undefined {
  const found = sections.filter((s) => s.name === section).flatMap((s) => s.entries.filter((e) => e.key === key));
  return found[found.length - 1];
}

export function readKeyfile(text: string, file: string, part: FilePart): void {
  const sections = keySections(text, file);
  const type = last(sections, 'connection', 'type');
  const ifname = last(sections, 'connection', 'interface-name');
  const id = last(sections, 'connection', 'id');
  const uuid = last(sections, 'connection', 'uuid');
  const connection = sections.find((s) => s.name === 'connection');
  if (!connection) throw new ConfigError({ file, line: 1 }, 'a NetworkManager keyfile has a [connection] section');
  if (type?.value === 'bond') {
    const name = ifname?.value ?? id?.value;
    if (!name) throw new ConfigError({ file, line: connection.line }, 'a bond connection needs interface-name=');
    const bond = newBond(name, 'networkmanager', { file, line: connection.line });
    part.bonds.push(bond);
    for (const alias of [id?.value, uuid?.value]) if (alias) part.aliases.set(alias, name);
    for (const entry of sections.filter((s) => s.name === 'bond').flatMap((s) => s.entries))
      setOption(bond, 'networkmanager', entry.key, entry.value, { file, line: entry.line });
    const method = last(sections, 'ipv4', 'method');
    const addresses = sections
      .filter((s) => s.name === 'ipv4')
      .flatMap((s) => s.entries.filter((e) => /^address(es)?\d*$/.test(e.key)))
      .flatMap((e) =>
        e.value
          .split(';')
          .filter(Boolean)
          .map((a) => a.split(',')[0] ?? a),
      );
    const gateway = last(sections, 'ipv4', 'gateway');
    bond.addressing = {
      method:
        method?.value === 'auto'
          ? 'dhcp'
          : method?.value === 'manual'
            ? 'static'
            : method?.value === 'disabled'
              ? 'none'
              : 'manual',
      addresses,
      ...(gateway ? { gateway: gateway.value } : {}),
      at: { file, line: method?.line ?? connection.line },
    };
    const mac = last(sections, 'ethernet', 'cloned-mac-address') ?? last(sections, 'bond', 'cloned-mac-address');
    if (mac) bond.hwaddress = { value: mac.value, key: 'cloned-mac-address', at: { file, line: mac.line } };
    return;
  }
  const controllerKey = last(sections, 'connection', 'controller') ? 'controller' : 'master';
  const controller = last(sections, 'connection', controllerKey);
  const portType = last(sections, 'connection', 'port-type') ?? last(sections, 'connection', 'slave-type');
  if (controller && portType?.value === 'bond') {
    const port = ifname?.value;
    if (!port) throw new ConfigError({ file, line: connection.line }, 'a bond port connection needs interface-name=');
    // [bond-port]: queue-id since NetworkManager 1.34, prio since 1.44.
    const portOptions = sections
      .filter((s) => s.name === 'bond-port')
      .flatMap((s) => s.entries)
      .map((e) => {
        const option = PORT_KEYS[e.key];
        if (!option)
          throw new ConfigError({ file, line: e.line }, `unknown bond-port property ${e.key} (queue-id, prio)`);
        return portOption(option, e.key, e.value, { file, line: e.line });
      });
    part.ports.push({
      bond: controller.value,
      port,
      key: controllerKey,
      at: { file, line: controller.line },
      options: {},
      ...(portOptions.length ? { portOptions } : {}),
    });
  }
}
