/**
 * Reads a bond's state from sysfs: /sys/class/net/<bond>/bonding/* and each slave's
 * bonding_slave/*. One shell command dumps every file as `<dir>/<file>\t<content>` lines, since
 * each program started in a VM costs milliseconds; parseSysfsDump reads that dump.
 */
import { run, type Target } from '../target/target.js';
import { decodePortState, modeFrom, type BondStatus, type SlaveMiiStatus, type SlaveStatus } from './status.js';

export function sysfsDumpScript(bond: string): string {
  return `cd /sys/class/net/${bond} || exit 2
for f in bonding/*; do printf '%s\\t' "$f"; cat "$f" 2>/dev/null | tr '\\n' ' '; echo; done
for s in $(cat bonding/slaves); do for f in /sys/class/net/$s/bonding_slave/*; do printf '%s/%s\\t' "$s" "\${f##*/}"; cat "$f" 2>/dev/null | tr '\\n' ' '; echo; done; done`;
}

function int(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/** sysfs prints enums as "name number": the name is what bondlab keeps. */
function word(value: string | undefined): string | undefined {
  return value ? value.split(' ')[0] : undefined;
}

export function parseSysfsDump(dump: string, bond?: string): BondStatus {
  const bondFiles = new Map<string, string>();
  const slaveFiles = new Map<string, Map<string, string>>();
  for (const line of dump.replace(/\r\n?/g, '\n').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const path = line.slice(0, tab);
    const value = line.slice(tab + 1).trim();
    const [dir, file] = path.split('/');
    if (!dir || !file) continue;
    if (dir === 'bonding') bondFiles.set(file, value);
    else {
      if (!slaveFiles.has(dir)) slaveFiles.set(dir, new Map());
      slaveFiles.get(dir)?.set(file, value);
    }
  }
  const get = (file: string) => bondFiles.get(file);
  const mode = modeFrom(word(get('mode')) ?? '');
  const status: BondStatus = { source: 'sysfs', bond, slaves: [] };
  if (mode) status.mode = mode;
  const mii = get('mii_status');
  if (mii === 'up' || mii === 'down') status.miiStatus = mii;
  status.miimon = int(get('miimon'));
  status.updelay = int(get('updelay'));
  status.downdelay = int(get('downdelay'));
  status.peerNotifyDelay = int(get('peer_notif_delay'));
  status.arpInterval = int(get('arp_interval'));
  status.arpMissedMax = int(get('arp_missed_max'));
  status.arpValidate = word(get('arp_validate'));
  status.arpIpTargets = (get('arp_ip_target') ?? '').split(/\s+/).filter(Boolean);
  const ns = get('ns_ip6_target');
  if (ns !== undefined) status.nsIp6Targets = ns.split(/\s+/).filter(Boolean);
  status.failOverMac = word(get('fail_over_mac'));
  const hash = get('xmit_hash_policy');
  if (hash) status.xmitHashPolicy = { name: word(hash) ?? hash, number: int(hash.split(' ')[1]) };
  status.primary = get('primary') || null;
  status.primaryReselect = word(get('primary_reselect'));
  status.activeSlave = get('active_slave') || null;
  if (mode?.name === '802.3ad') {
    const aggregator = int(get('ad_aggregator'));
    status.ad = {
      lacpActive: get('lacp_active') === undefined ? undefined : word(get('lacp_active')) === 'on',
      lacpRate: word(get('lacp_rate')) as 'slow' | 'fast' | undefined,
      minLinks: int(get('min_links')),
      adSelect: word(get('ad_select')),
      systemPriority: int(get('ad_actor_sys_prio')),
      activeAggregator:
        aggregator === undefined
          ? null
          : {
              id: aggregator,
              numberOfPorts: int(get('ad_num_ports')),
              actorKey: int(get('ad_actor_key')),
              partnerKey: int(get('ad_partner_key')),
              partnerMac: get('ad_partner_mac'),
            },
    };
  }
  const order = (get('slaves') ?? '').split(/\s+/).filter(Boolean);
  for (const name of order) {
    const files = slaveFiles.get(name) ?? new Map<string, string>();
    const slave: SlaveStatus = {
      name,
      miiStatus: (files.get('mii_status') ?? 'down') as SlaveMiiStatus,
      linkFailureCount: int(files.get('link_failure_count')),
      permanentHwAddr: files.get('perm_hwaddr'),
      queueId: int(files.get('queue_id')),
    };
    const state = files.get('state');
    if (state === 'active' || state === 'backup') slave.state = state;
    if (mode?.name === '802.3ad') {
      slave.aggregatorId = int(files.get('ad_aggregator_id')) ?? null;
      const actor = int(files.get('ad_actor_oper_port_state'));
      const partner = int(files.get('ad_partner_oper_port_state'));
      if (actor !== undefined) slave.actor = { portState: actor, portStateFlags: decodePortState(actor) };
      if (partner !== undefined) slave.partner = { portState: partner, portStateFlags: decodePortState(partner) };
    }
    status.slaves.push(slave);
  }
  return status;
}

/** Dump and parse a bond's sysfs files on a target, inside a namespace when given. */
export async function readSysfs(target: Target, bond: string, netns?: string): Promise<BondStatus> {
  // sysfs shows the namespace of whoever mounted it: ip netns exec remounts it for the namespace.
  const argv = netns
    ? ['ip', 'netns', 'exec', netns, 'sh', '-c', sysfsDumpScript(bond)]
    : ['sh', '-c', sysfsDumpScript(bond)];
  return parseSysfsDump((await run(target, argv)).stdout, bond);
}
