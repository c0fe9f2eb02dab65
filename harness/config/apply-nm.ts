/**
 * Bringing a NetworkManager bond up with NetworkManager itself, inside a VM, from the tree
 * `bondlab tools fetch network-manager` unpacked (nm-root.ts; the guest's root is the host's).
 * NetworkManager runs as a plain daemon in the bond's namespace, in a mount namespace of its own:
 * its own /etc/NetworkManager (the user's keyfiles, interface names mapped onto the topology's
 * links, mode 0600 as NetworkManager demands of keyfiles), /var/lib/NetworkManager and /run, with
 * a private system D-Bus there (dbus-daemon) that nothing else can reach. /sys is read-only but
 * for /sys/devices/virtual/net: NetworkManager takes a read-only /sys as "no udev here" (as in a
 * container) and does not wait for udev to announce the links, and it can still write the bond's
 * sysfs options (it sets primary there). It manages only the mapped links (unmanaged-devices
 * except them, no-auto-default). NetworkManager, dbus-daemon and the mount namespace die with the
 * bond's namespace at teardown.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  daemonAddress,
  mapper,
  moduleLoad,
  restoreModule,
  quote,
  serverPart,
  type ApplyScripts,
  type DhcpServer,
  type Names,
} from './apply.js';
import { heredoc } from './apply-networkd.js';
import type { ConfigBond, ConfigModel } from './model.js';
import { nmPaths } from './nm-root.js';

/** Where the guest keeps NetworkManager's files, its log, and the directories it had to make. */
const WORK = '/run/bondlab-nm';
/** How long the bond may take to have its ports; how long they may take once NetworkManager starts activating it. */
const WAIT_SECONDS = 90;
const PORTS_GRACE_SECONDS = 30;

/** The keys whose values name interfaces: the profile's own, its controller, the bond's primary and active port. */
const NAMING_KEYS = /^(\s*(?:interface-name|master|controller|primary|active_slave)\s*=\s*)(.*?)\s*$/gm;

export function mapKeyfile(text: string, map: (word: string) => string): string {
  return text.replace(NAMING_KEYS, (_all, key: string, value: string) => key + map(value));
}

/** NetworkManager reads keyfiles by this suffix (others only in part); the user's name is kept before it. */
function keyfileName(file: string): string {
  return `bondlab-${basename(file).replace(/\.nmconnection$/, '')}.nmconnection`;
}

export function nmConf(names: Names): string {
  const managed = [names.bond, ...names.ports].map((name) => `except:interface-name:${name}`).join(';');
  return [
    '[main]',
    'plugins=keyfile',
    // No "Wired connection 1" profiles for links without one; DNS and resolv.conf left alone; root only.
    'no-auto-default=*',
    'dhcp=internal',
    'dns=none',
    'rc-manager=unmanaged',
    'auth-polkit=false',
    // The guest's hostname is shared by every namespace: NetworkManager leaves it alone.
    'hostname-mode=none',
    '',
    '[keyfile]',
    `unmanaged-devices=${managed}`,
    '',
  ].join('\n');
}

/** A bus only root can use, where NetworkManager may own its name: the mount namespace keeps everyone else out. */
const DBUS_CONF = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>`;

export function nmScripts(
  model: ConfigModel,
  bond: ConfigBond,
  names: Names,
  ipv4: string,
  nmRoot: string,
  server?: DhcpServer,
): ApplyScripts {
  const served = serverPart(bond, ipv4, server);
  const map = mapper(bond, names);
  const nm = nmPaths(nmRoot);
  const keyfiles = model.files.filter((f) => f.format === 'networkmanager');
  const dirs = ['/etc/NetworkManager', '/var/lib/NetworkManager'];
  const before = [
    'set -e',
    `rm -rf ${WORK} && mkdir -p ${WORK}/etc/system-connections ${WORK}/var`,
    ...moduleLoad(model, 'bonding'),
    ...keyfiles.map((f) =>
      heredoc(`${WORK}/etc/system-connections/${keyfileName(f.file)}`, mapKeyfile(readFileSync(f.file, 'utf8'), map)),
    ),
    `chmod 600 ${WORK}/etc/system-connections/*`,
    heredoc(`${WORK}/etc/NetworkManager.conf`, nmConf(names)),
    // Under etc/: the bind of it onto /etc/NetworkManager stays visible once /run is NetworkManager's own.
    heredoc(`${WORK}/etc/dbus.conf`, DBUS_CONF),
    // Mount points in the guest's root overlay, when the host has none (it has no NetworkManager): removed after.
    `for d in ${dirs.join(' ')}; do [ -d "$d" ] || { mkdir -p "$d"; echo "$d" >> ${WORK}/made; }; done`,
  ].join('\n');
  const inside = [
    // A bind of itself keeps the links' sysfs writable when the rest of /sys turns read-only.
    'mount --bind /sys/devices/virtual/net /sys/devices/virtual/net',
    'mount -o bind,remount,ro /sys',
    `mount --bind ${WORK}/etc /etc/NetworkManager`,
    `mount --bind ${WORK}/var /var/lib/NetworkManager`,
    // Its own /run: NetworkManager's runtime state and the bus socket, seen by nothing outside.
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mkdir /run/dbus',
    'dbus-daemon --config-file=/etc/NetworkManager/dbus.conf --fork --nopidfile',
    `exec env LD_LIBRARY_PATH=${nm.libs} ${nm.daemon} --debug`,
  ].join(' && ');
  const log = `${WORK}/nm.log`;
  const slavesRead = `{ read -r s < /sys/class/net/${names.bond}/bonding/slaves; } 2>/dev/null && set -- $s && [ $# -ge ${bond.ports.length} ]`;
  const up = [
    // setsid: NetworkManager outlives this shell; it dies with the namespace (teardown kills every process in it).
    `setsid unshare -m sh -c ${quote(inside)} </dev/null >${log} 2>&1 & nm=$!`,
    `read up _ < /proc/uptime; end=$((\${up%.*} + ${WAIT_SECONDS})); grace=''`,
    // All ports in, and the primary set (NetworkManager writes it to sysfs once the bond is up).
    `until ${slavesRead}${bond.options.primary ? ` && read -r p < /sys/class/net/${names.bond}/bonding/primary && [ -n "$p" ]` : ''}; do`,
    '  read up _ < /proc/uptime',
    // Gone, or a zombie not yet reaped: the daemon (or dbus-daemon before it) exited.
    `  if ! { read -r st < /proc/$nm/stat; } 2>/dev/null || { st=\${st#*) }; [ "\${st#Z}" != "$st" ]; }; then printf 'NetworkManager exited; its log:\\n%s\\n' "$(tail -n 30 ${log})" >&2; exit 1; fi`,
    `  if [ \${up%.*} -ge $end ]; then printf 'NetworkManager did not activate ${names.bond} (within ${WAIT_SECONDS} s); its log:\\n%s\\n' "$(tail -n 30 ${log})" >&2; exit 1; fi`,
    // Activating without all its ports (a bond without ports may wait for them forever): a port profile
    // NetworkManager did not take as one; the comparison names it.
    `  if [ -z "$grace" ] && grep -q '(${names.bond}): Activation: starting' ${log}; then grace=$((\${up%.*} + ${PORTS_GRACE_SECONDS})); fi`,
    '  if [ -n "$grace" ] && [ ${up%.*} -ge $grace ]; then break; fi',
    '  sleep 1',
    'done',
    // NetworkManager's internal DHCP client leases a DHCP bond's address.
    ...daemonAddress(bond, names, ipv4),
  ].join('\n');
  const after = restoreModule([
    `if [ -f ${WORK}/made ]; then while read -r d; do rmdir "$d"; done < ${WORK}/made; fi`,
    `rm -rf ${WORK}`,
  ]);
  return { before, ...served, up, after };
}
