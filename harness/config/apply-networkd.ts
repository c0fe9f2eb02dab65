/**
 * Bringing a systemd-networkd or netplan bond up with systemd-networkd itself, inside a VM whose
 * PID 1 is not systemd. networkd runs as a plain daemon in the bond's namespace, started by hand:
 * as root it drops to the systemd-network user itself (what the unit's `ExecStart=!!` relies on);
 * its runtime directory /run/systemd/netif is made for it (the unit's RuntimeDirectory=); and it
 * runs in a mount namespace of its own with /sys read-only, which tells networkd that no udev
 * manages the links (as in a container), so it does not wait forever for udev to announce them.
 * netplan files go through `netplan generate` first, as netplan does at boot, into the same
 * /run/systemd/network. The user's interface names are mapped onto the topology's links.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  daemonAddress,
  serverPart,
  mapper,
  moduleLoad,
  restoreModule,
  quote,
  type ApplyScripts,
  type DhcpServer,
  type Names,
} from './apply.js';
import type { ConfigBond, ConfigModel } from './model.js';

/** Where the guest keeps the generated netplan tree, networkd's log and what it must put back. */
const WORK = '/run/bondlab-networkd';
const NETWORK_DIR = '/run/systemd/network';
export const NETWORKD = '/lib/systemd/systemd-networkd';
const NETPLAN_GENERATE = '/usr/libexec/netplan/generate';

/** How long the bond may take to have all its ports and its lease (networkd under TCG is slow to start). */
const WAIT_SECONDS = 90;

/** Interface names in a networkd file's Name= and Bond= values, mapped. */
function mapNetworkd(text: string, map: (word: string) => string): string {
  return text.replace(
    /^(\s*(?:Name|Bond)\s*=\s*)(.*)$/gm,
    (_all, key: string, value: string) => key + value.split(/(\s+)/).map(map).join(''),
  );
}

/** Interface names anywhere in a netplan file as whole words (keys under ethernets/bonds, interfaces, primary). */
function mapNetplan(text: string, map: (word: string) => string): string {
  return text.replace(/[\w.@-]+/g, map);
}

/** netplan reads only *.yaml in /etc/netplan; a file known as netplan by its content gets that name there. */
function netplanName(file: string): string {
  return `${basename(file).replace(/\.ya?ml$/, '')}.yaml`;
}

export function heredoc(path: string, text: string): string {
  return `cat > ${quote(path)} <<'BONDLAB_EOF'\n${text.endsWith('\n') ? text : `${text}\n`}BONDLAB_EOF`;
}

export function networkdScripts(
  model: ConfigModel,
  bond: ConfigBond,
  names: Names,
  ipv4: string,
  server?: DhcpServer,
): ApplyScripts {
  const served = serverPart(bond, ipv4, server);
  const map = mapper(bond, names);
  const networkd = model.files.filter((f) => f.format === 'networkd');
  const netplan = model.files.filter((f) => f.format === 'netplan');
  const before = [
    'set -e',
    `rm -rf ${WORK} && mkdir -p ${WORK} ${NETWORK_DIR}`,
    ...moduleLoad(model, 'bonding'),
    ...networkd.map((f) =>
      heredoc(`${NETWORK_DIR}/bondlab-${basename(f.file)}`, mapNetworkd(readFileSync(f.file, 'utf8'), map)),
    ),
    ...(netplan.length
      ? [
          `mkdir -p ${WORK}/root/etc/netplan`,
          ...netplan.map((f) =>
            heredoc(`${WORK}/root/etc/netplan/${netplanName(f.file)}`, mapNetplan(readFileSync(f.file, 'utf8'), map)),
          ),
          `chmod 600 ${WORK}/root/etc/netplan/*`,
          // netplan's own generator, which `netplan generate` runs: without Python's start-up, slow under TCG.
          `out=$(${NETPLAN_GENERATE} --root-dir ${WORK}/root 2>&1) || { printf 'netplan generate failed:\\n%s\\n' "$out" >&2; exit 1; }`,
          `for f in ${WORK}/root/run/systemd/network/*; do cp "$f" ${NETWORK_DIR}/bondlab-$(basename "$f"); done`,
        ]
      : []),
    'mkdir -p /run/systemd/netif && chown systemd-network:systemd-network /run/systemd/netif',
  ].join('\n');
  const up = [
    // setsid: networkd outlives this shell; it dies with the namespace (teardown kills every process in it).
    `setsid unshare -m sh -c 'mount -o bind,remount,ro /sys && exec ${NETWORKD}' </dev/null >${WORK}/networkd.log 2>&1 &`,
    // Deadlines on the guest's uptime, read with builtins: under TCG every program start in a loop costs.
    `read up _ < /proc/uptime; end=$((\${up%.*} + ${WAIT_SECONDS}))`,
    // A primary port (PrimarySlave=) is set on the bond after the port joins: wait for it too.
    `until { read -r s < /sys/class/net/${names.bond}/bonding/slaves; } 2>/dev/null && set -- $s && [ $# -ge ${bond.ports.length} ]${bond.options.primary ? ` && read -r p < /sys/class/net/${names.bond}/bonding/primary && [ -n "$p" ]` : ''}; do`,
    // networkd sends all options in one netlink request: one the kernel refuses for the mode fails the whole bond.
    `  read up _ < /proc/uptime; if [ \${up%.*} -ge $end ] || grep -q 'could not be created' ${WORK}/networkd.log; then printf 'systemd-networkd did not make ${names.bond} with its ${bond.ports.length} ports (within ${WAIT_SECONDS} s); its log:\\n%s\\n' "$(tail -n 20 ${WORK}/networkd.log)" >&2; exit 1; fi`,
    '  sleep 1',
    'done',
    // networkd's own DHCP client leases a DHCP bond's address.
    ...daemonAddress(bond, names, ipv4),
  ].join('\n');
  const after = restoreModule([`rm -f ${NETWORK_DIR}/bondlab-*`, `rm -rf ${WORK} /run/systemd/netif`]);
  return { before, ...served, up, after };
}
