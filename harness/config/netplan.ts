/**
 * netplan YAML (netplan(5)): `network.bonds.<name>` with `interfaces`, `parameters`, addresses,
 * dhcp4 and macaddress. Parsed with the yaml package, which keeps each node's position.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { newBond, setOption, type FilePart } from './collect.js';
import { ConfigError, type At } from './model.js';

type Where = (node: Node | null | undefined) => At;

/** netplan(5)'s device types: a bond's interfaces must be defined under one of them, in any netplan file. */
const DEVICE_KINDS = [
  'ethernets',
  'modems',
  'wifis',
  'bridges',
  'bonds',
  'tunnels',
  'vlans',
  'vrfs',
  'dummy-devices',
  'virtual-ethernets',
  'nm-devices',
];

function scalars(node: unknown, at: At, what: string): string[] {
  if (isSeq(node))
    return node.items.map((item) =>
      isScalar(item) ? String(item.value) : fail(at, `${what}: expected a list of names`),
    );
  throw new ConfigError(at, `${what}: expected a list`);
}

function fail(at: At, message: string): never {
  throw new ConfigError(at, message);
}

export function readNetplan(text: string, file: string, part: FilePart): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', prettyErrors: false, uniqueKeys: true });
  const where: Where = (node) => ({ file, line: node?.range ? lines.linePos(node.range[0]).line : 1 });
  const [error] = doc.errors;
  if (error)
    throw new ConfigError(
      { file, line: lines.linePos(error.pos[0]).line },
      `YAML: ${error.message.split('\n')[0] ?? error.code}`,
    );
  const network = doc.get('network', true);
  if (!isMap(network)) throw new ConfigError(where(doc.contents), 'a netplan file is a mapping with network:');
  for (const kind of DEVICE_KINDS) {
    const devices = network.get(kind, true);
    if (isMap(devices))
      for (const { key } of devices.items) if (isScalar(key)) part.netplanDevices.add(String(key.value));
  }
  const bonds = network.get('bonds', true);
  if (bonds === undefined) return;
  if (!isMap(bonds)) throw new ConfigError(where(bonds), 'network.bonds: expected a mapping of bond names');
  for (const pair of bonds.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : fail(where(pair.key as Node), 'a bond name');
    const at = where(pair.key as Node);
    const spec = pair.value;
    if (!isMap(spec)) throw new ConfigError(at, `network.bonds.${name}: expected a mapping`);
    const bond = newBond(name, 'netplan', at);
    part.bonds.push(bond);
    const interfaces = spec.get('interfaces', true);
    if (interfaces !== undefined) {
      const node = interfaces as Node;
      for (const [i, port] of scalars(node, where(node), `network.bonds.${name}.interfaces`).entries()) {
        bond.ports.push({ value: port, key: 'interfaces', at: where(isSeq(node) ? (node.items[i] as Node) : node) });
      }
    }
    const parameters = spec.get('parameters', true);
    if (parameters !== undefined) {
      if (!isMap(parameters))
        throw new ConfigError(where(parameters), `network.bonds.${name}.parameters: expected a mapping`);
      for (const { key, value } of parameters.items) {
        const keyName = isScalar(key) ? String(key.value) : '';
        const valueAt = where(key as Node);
        const raw = isSeq(value)
          ? scalars(value, valueAt, keyName)
          : isScalar(value)
            ? (value.value as string | number | boolean)
            : fail(valueAt, `${keyName}: expected a value`);
        setOption(bond, 'netplan', keyName, raw, valueAt);
      }
    }
    const addresses = spec.get('addresses', true);
    const dhcp = spec.get('dhcp4');
    const list = addresses === undefined ? [] : scalars(addresses, where(addresses), `network.bonds.${name}.addresses`);
    const gateway = spec.get('gateway4');
    // netplan takes YAML 1.1 booleans (yes, on) that the core schema reads as text.
    const dhcpOn =
      dhcp === true || (typeof dhcp === 'string' && ['yes', 'on', 'true', 'y'].includes(dhcp.toLowerCase()));
    bond.addressing = {
      method: dhcpOn ? 'dhcp' : list.length ? 'static' : 'none',
      addresses: list,
      ...(typeof gateway === 'string' ? { gateway } : {}),
      at,
    };
    const mac = spec.get('macaddress', true);
    if (isScalar(mac)) bond.hwaddress = { value: String(mac.value), key: 'macaddress', at: where(mac) };
  }
}
