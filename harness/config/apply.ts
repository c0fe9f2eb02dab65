/**
 * Bringing the user's bond up with the tool it was written for, inside a VM: Debian's ifupdown
 * with the ifenslave scripts, the user's NIC names mapped onto the topology's links and the
 * bond onto the topology's bond, in the bond's namespace; the bonding module reloaded so that
 * the user's modprobe.d files (copied into the guest's /etc/modprobe.d under their own names,
 * so kmod takes or ignores them as it would) set its defaults. Then sysfs is compared with the
 * model, and every option that did not take effect is reported with where it was written.
 *
 * This writes the guest's /etc/network/interfaces and /etc/modprobe.d (the ifenslave scripts
 * read the default interfaces file, ifquery has no way to be told another) and reloads the
 * module: it runs only in a VM, whose root is a tmpfs overlay over the host's read-only /.
 */
import { basename, resolve } from 'node:path';
import type { Target } from '../target/target.js';
import type { At, ConfigBond, ConfigModel, OptionValue } from './model.js';
import { OPTION_NAMES } from './options.js';

/** Where the guest keeps what it needs to put back. */
const SAVED = '/run/bondlab-config-saved';

export interface Names {
  bond: string;
  ports: string[];
}

/** Where a DHCP stanza's server runs: an interface of the far side's namespace and its address in the bond's subnet. */
export interface DhcpServer {
  iface: string;
  ipv4: string;
}

export interface ApplyScripts {
  /** Run in the guest's root namespace before the topology is built. */
  before: string;
  /** Run in the far side's namespace once its links exist, before the bond comes up: the DHCP server of a dhcp stanza. */
  server?: string;
  /** Run in the bond's namespace once its links exist: brings the bond up (ifup -a, as at boot: the file holds only the bond and its ports). */
  up: string;
  /** Run in the root namespace after the namespaces are gone: puts the guest back. */
  after: string;
}

export function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function mapper(bond: ConfigBond, names: Names): (word: string) => string {
  const table = new Map<string, string>([
    [bond.name, names.bond],
    ...bond.ports.map((p, i): [string, string] => [p.value, names.ports[i] ?? p.value]),
  ]);
  return (word) => table.get(word) ?? word;
}

export const isDhcp = (bond: ConfigBond) => bond.addressing?.method === 'dhcp';

/** The interfaces file the guest gets: the user's stanza with names mapped and the address the topology gives the bond. */
export function interfacesFile(bond: ConfigBond, names: Names, ipv4: string): string {
  const map = mapper(bond, names);
  const mapWords = (text: string) => text.split(/(\s+)/).map(map).join('');
  // A dhcp stanza stays dhcp (the far side's DHCP server leases the topology's address); anything else but static comes up manual.
  const method = bond.addressing?.method === 'static' ? 'static' : isDhcp(bond) ? 'dhcp' : 'manual';
  const lines = [
    `# ${bond.name} of ${bond.at.file}:${bond.at.line}, its ports mapped to ${names.ports.join(' ')}`,
    `auto ${names.bond}`,
    `iface ${names.bond} inet ${method}`,
  ];
  if (method === 'static') lines.push(`\taddress ${ipv4}/24`);
  if (bond.hwaddress) lines.push(`\thwaddress ether ${bond.hwaddress.value}`);
  const viaMaster = bond.ports.filter((p) => p.key === 'bond-master');
  const listed = bond.ports.filter((p) => p.key === 'slaves' || p.key === 'bond-slaves');
  if (listed.length) lines.push(`\t${listed[0]?.key} ${listed.map((p) => map(p.value)).join(' ')}`);
  else if (viaMaster.length) lines.push('\tbond-slaves none');
  for (const valued of Object.values(bond.options)) {
    if (!valued.key.startsWith('bond-')) continue;
    const value = Array.isArray(valued.value) ? valued.value.join(' ') : valued.value;
    lines.push(`\t${valued.key} ${mapWords(value)}`);
  }
  const queueIds = (bond.portOptions ?? []).filter((set) => set.key.replace(/_/g, '-') === 'bond-queue-id');
  if (queueIds.length)
    lines.push(`\t${queueIds[0]?.key} ${queueIds.map((set) => `${map(set.port)}:${set.value}`).join(' ')}`);
  for (const command of bond.commands) lines.push(`\t${command.phase} ${mapWords(command.text)}`);
  for (const port of viaMaster)
    lines.push('', `auto ${map(port.value)}`, `iface ${map(port.value)} inet manual`, `\tbond-master ${names.bond}`);
  return `${lines.join('\n')}\n`;
}

/** How the user's configuration loads the module: the name a pre-up modprobe gives, else bonding itself (ip link add loads it by its rtnl alias). */
function moduleName(bond: ConfigBond): string {
  for (const command of bond.commands) {
    const match = /(?:^|[\s/])modprobe\s+(?:-\S+\s+)*([\w-]+)/.exec(command.text);
    if (match?.[1]) return match[1];
  }
  return 'bonding';
}

/**
 * dnsmasq on the far side, bound to its one interface there, leasing exactly the topology's
 * address of the bond (so the rest of the case finds the bond where it always is), no router and
 * no DNS server (dhclient-script would change the guest's routes and resolv.conf), no lease or pid
 * file: it writes nothing, and it dies with the far side's namespace.
 */
function dhcpServerScript(server: DhcpServer, ipv4: string): string {
  return [
    `ip addr add ${server.ipv4}/24 dev ${server.iface}`,
    [
      'dnsmasq --conf-file=/dev/null --port=0 --no-hosts --no-resolv',
      `--interface=${server.iface} --except-interface=lo --bind-interfaces`,
      `--dhcp-range=${ipv4},${ipv4},255.255.255.0,1h --dhcp-authoritative --no-ping`,
      '--dhcp-option=3 --dhcp-option=6 --leasefile-ro --pid-file=',
    ].join(' '),
  ].join('\n');
}

/** The far side's part of the scripts: a DHCP server when the bond takes its address over DHCP. */
export function serverPart(bond: ConfigBond, ipv4: string, server?: DhcpServer): Pick<ApplyScripts, 'server'> {
  if (!isDhcp(bond)) return {};
  if (!server) throw new Error(`${bond.name} takes its address over DHCP, and no DHCP server was given`);
  return { server: dhcpServerScript(server, ipv4) };
}

/**
 * The user's modprobe.d files copied into the guest's /etc/modprobe.d under their own names (kmod
 * takes or skips them as it would), and bonding loaded afresh by `name`, as at boot: the first
 * load gives the module its options.
 */
export function moduleLoad(model: ConfigModel, name: string): string[] {
  const modprobeFiles = model.files.filter((f) => f.format === 'modprobe').map((f) => f.file);
  return [
    ...modprobeFiles.map((file) => `cp ${quote(resolve(file))} /etc/modprobe.d/${quote(`bondlab-${basename(file)}`)}`),
    // Unloading fails while any bond exists: then the options cannot be the module's, say so.
    `modprobe -r bonding || { echo 'bonding is in use: it cannot be reloaded with the configuration'"'"'s module options' >&2; exit 1; }`,
    // A name kmod does not know fails here and again in the stanza's own pre-up.
    `modprobe ${quote(name)} 2>&1 || true`,
  ];
}

/**
 * An applier's way back: its modprobe.d files and `removals` gone, then bonding reloaded as the
 * runner keeps it, without a default bond0.
 */
export function restoreModule(removals: string[]): string {
  return [
    'rm -f /etc/modprobe.d/bondlab-*',
    ...removals,
    'modprobe -r bonding 2>/dev/null; modprobe bonding max_bonds=0',
  ].join('\n');
}

/**
 * The end of a daemon's `up` script (networkd, NetworkManager): for a DHCP bond, wait (until the
 * script's $end) for the daemon's own client to lease the address (compareApplied checks it is
 * one); any other gets the topology's address.
 */
export function daemonAddress(bond: ConfigBond, names: Names, ipv4: string): string[] {
  return isDhcp(bond)
    ? [
        `until ip -4 -o addr show dev ${names.bond} | grep -q ' dynamic'; do read up _ < /proc/uptime; [ \${up%.*} -ge $end ] && break; sleep 1; done`,
      ]
    : [`ip addr replace ${ipv4}/24 dev ${names.bond}`];
}

export function applyScripts(
  model: ConfigModel,
  bond: ConfigBond,
  names: Names,
  ipv4: string,
  server?: DhcpServer,
): ApplyScripts {
  const served = serverPart(bond, ipv4, server);
  const before = [
    'set -e',
    `mkdir -p ${SAVED}`,
    `cp -a /etc/network/interfaces ${SAVED}/interfaces 2>/dev/null || true`,
    `cp -a /etc/resolv.conf ${SAVED}/resolv.conf 2>/dev/null || true`,
    ...moduleLoad(model, moduleName(bond)),
    `cat > /etc/network/interfaces <<'BONDLAB_EOF'\n${interfacesFile(bond, names, ipv4)}BONDLAB_EOF`,
    'rm -rf /run/network && mkdir -p /run/network',
  ].join('\n');
  const up = [
    `out=$(ifup -v -a --no-loopback 2>&1) || { printf 'ifup -a failed:\\n%s\\n' "$out" >&2; exit 1; }`,
    // A dhcp stanza's address is the lease (compareApplied checks it); any other gets the topology's.
    ...(isDhcp(bond) ? [] : [`ip addr replace ${ipv4}/24 dev ${names.bond}`]),
  ].join('\n');
  const after = restoreModule([
    `if [ -f ${SAVED}/interfaces ]; then cp -a ${SAVED}/interfaces /etc/network/interfaces; fi`,
    `if [ -e ${SAVED}/resolv.conf ]; then cp -a ${SAVED}/resolv.conf /etc/resolv.conf; fi`,
    // dhclient's lease and pid files of the bond (ifupdown names them after the interface).
    `rm -f /var/lib/dhcp/dhclient.${names.bond}.leases /var/lib/dhcp/dhclient6.${names.bond}.leases /run/dhclient.${names.bond}.pid`,
    'rm -rf /run/network',
    `rm -rf ${SAVED}`,
  ]);
  return { before, ...served, up, after };
}

export interface Mismatch {
  option: string;
  expected: string;
  actual: string;
  key: string;
  at: At;
  /** Why sysfs cannot show it at all (the running kernel predates the option, or shows it over netlink only); otherwise the value differs. */
  absent?: string;
}

/** Whether a kernel release (`6.1.0-28-amd64`) is older than a version (`6.9`). */
export function releaseBefore(release: string, version: string): boolean {
  const have = release.split(/[.-]/).slice(0, 2).map(Number);
  const need = version.split('.').map(Number);
  for (let i = 0; i < 2; i++) if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) < (need[i] ?? 0);
  return false;
}

/** Why an option of the model has no sysfs file under a bond of kernel `release`, when its table says why. */
export function absentReason(option: string, release: string): string | undefined {
  const name = OPTION_NAMES.find((o) => o.kernel === option);
  if (name?.since && releaseBefore(release, name.since))
    return `the running kernel (Linux ${release}) has no ${option}: it came with Linux ${name.since}`;
  if (name?.sysfs === false)
    return `the kernel shows ${option} over netlink only, not in sysfs, so it cannot be read back here`;
  return undefined;
}

/** The kernel's text of a sysfs file, reduced to what the model holds ("balance-rr 0" is balance-rr). */
function sysfsValue(option: string, text: string): string {
  const trimmed = text.trim();
  if (option === 'arp_ip_target' || option === 'ns_ip6_target' || option === 'slaves')
    return trimmed.split(/\s+/).filter(Boolean).sort().join(' ');
  return trimmed.split(/\s+/)[0] ?? '';
}

function modelValue(option: string, value: OptionValue, map: (word: string) => string): string {
  if (Array.isArray(value)) return [...value].sort().join(' ');
  if (option === 'primary' || option === 'active_slave') return map(value);
  if (option === 'ad_actor_system') return value.toLowerCase();
  return value;
}

/**
 * A dhcp stanza's bond must hold the leased address as a dynamic one (with the lease's lifetime,
 * as dhclient-script adds it), not a permanent address someone else put there.
 */
async function leaseMismatch(
  target: Pick<Target, 'exec'>,
  netns: string,
  bond: ConfigBond,
  names: Names,
  ipv4: string,
): Promise<Mismatch | undefined> {
  const shown = await target.exec(['ip', '-4', '-o', 'addr', 'show', 'dev', names.bond], { netns });
  const line = shown.stdout.split('\n').find((l) => l.includes(` inet ${ipv4}/`));
  if (line && / dynamic( |$)/.test(line)) return undefined;
  const addresses = [...shown.stdout.matchAll(/ inet (\S+)(.*?)(?:\\|$)/gm)].map(
    (m) => `${m[1]}${m[2]?.includes('dynamic') ? ' (leased)' : ' (not leased)'}`,
  );
  return {
    option: 'address',
    expected: `${ipv4} leased over DHCP`,
    actual: addresses.join(', ') || 'no IPv4 address',
    key: 'inet dhcp',
    at: bond.addressing?.at ?? bond.at,
  };
}

/**
 * Every option of the model that sysfs does not show, and the ports and MAC address (and, for a
 * dhcp stanza, the lease of `ipv4`): read in the bond's namespace (sysfs there shows that
 * namespace's devices).
 */
export async function compareApplied(
  target: Pick<Target, 'exec'>,
  netns: string,
  bond: ConfigBond,
  names: Names,
  ipv4?: string,
): Promise<Mismatch[]> {
  const dir = `/sys/class/net/${names.bond}`;
  const read = await target.exec(
    [
      'sh',
      '-c',
      `cd ${dir} && for f in bonding/* address; do printf '%s\\t' "$f"; tr '\\n' ' ' < "$f" 2>/dev/null; echo; done`,
    ],
    { netns },
  );
  if (read.exitCode !== 0)
    return [
      {
        option: 'bond',
        expected: names.bond,
        actual: `no such bond (${read.stderr.trim()})`,
        key: bond.name,
        at: bond.at,
      },
    ];
  const sysfs = new Map(
    read.stdout
      .split('\n')
      .filter(Boolean)
      .map((line): [string, string] => {
        const [file = '', value = ''] = line.split('\t');
        return [file.replace(/^bonding\//, ''), value];
      }),
  );
  const map = mapper(bond, names);
  const mismatches: Mismatch[] = [];
  let release: string | undefined;
  for (const [option, valued] of Object.entries(bond.options)) {
    const expected = modelValue(option, valued.value, map);
    const actual = sysfsValue(option, sysfs.get(option) ?? '');
    if (actual === expected) continue;
    const mismatch = {
      option,
      expected,
      actual: sysfs.has(option) ? actual : '(no such file)',
      key: valued.key,
      at: valued.at,
    };
    if (!sysfs.has(option)) {
      release ??= (await target.exec(['uname', '-r'])).stdout.trim();
      const absent = absentReason(option, release);
      if (absent) Object.assign(mismatch, { absent });
    }
    mismatches.push(mismatch);
  }
  const ports = names.ports.slice(0, bond.ports.length).sort().join(' ');
  const slaves = sysfsValue('slaves', sysfs.get('slaves') ?? '');
  if (slaves !== ports)
    mismatches.push({
      option: 'slaves',
      expected: ports,
      actual: slaves || '(none)',
      key: bond.ports[0]?.key ?? 'slaves',
      at: bond.ports[0]?.at ?? bond.at,
    });
  if (isDhcp(bond) && ipv4) {
    const mismatch = await leaseMismatch(target, netns, bond, names, ipv4);
    if (mismatch) mismatches.push(mismatch);
  }
  if (bond.hwaddress && sysfsValue('address', sysfs.get('address') ?? '') !== bond.hwaddress.value.toLowerCase()) {
    mismatches.push({
      option: 'address',
      expected: bond.hwaddress.value.toLowerCase(),
      actual: sysfsValue('address', sysfs.get('address') ?? ''),
      key: bond.hwaddress.key,
      at: bond.hwaddress.at,
    });
  }
  return mismatches;
}

export function formatMismatch(m: Mismatch): string {
  const what = m.absent ?? `expected ${m.expected}, the kernel has ${m.actual}`;
  return `${m.at.file}:${m.at.line}: ${m.key} -> ${m.option}: ${what}`;
}

/** Options that did not take effect, and those the kernel does not show: the build fails with each, where it was written. */
export class NotAppliedError extends Error {
  override name = 'NotAppliedError';
  constructor(readonly mismatches: Mismatch[]) {
    const differ = mismatches.filter((m) => !m.absent);
    const absent = mismatches.filter((m) => m.absent);
    super(
      [
        ...(differ.length ? ['the configuration did not take effect as written:', ...differ.map(formatMismatch)] : []),
        ...(absent.length ? ['options this kernel does not show in sysfs:', ...absent.map(formatMismatch)] : []),
      ].join('\n'),
    );
  }
}
