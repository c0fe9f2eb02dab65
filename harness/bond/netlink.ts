/**
 * Reads a bond's state from netlink, through `ip -d -j link show` (iproute2's JSON), into the
 * shared status. Field names are iproute2's (print_bond / print_bond_slave).
 */
import { run, type Target } from '../target/target.js';
import { decodePortState, modeFrom, type BondStatus, type SlaveMiiStatus, type SlaveStatus } from './status.js';

type Json = Record<string, unknown>;

interface IpLink {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: Json; info_slave_kind?: string; info_slave_data?: Json };
}

const num = (value: unknown) => (typeof value === 'number' ? value : undefined);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function parseIpLinkJson(links: IpLink[], bond: string): BondStatus | undefined {
  const master = links.find((link) => link.ifname === bond && link.linkinfo?.info_kind === 'bond');
  const data = master?.linkinfo?.info_data;
  if (!data) return undefined;
  const status: BondStatus = { source: 'netlink', bond, slaves: [] };
  const mode = modeFrom(str(data.mode) ?? '');
  if (mode) status.mode = mode;
  status.activeSlave = str(data.active_slave) ?? null;
  status.miimon = num(data.miimon);
  status.updelay = num(data.updelay);
  status.downdelay = num(data.downdelay);
  status.peerNotifyDelay = num(data.peer_notify_delay);
  status.arpInterval = num(data.arp_interval);
  status.arpMissedMax = num(data.arp_missed_max);
  status.arpValidate = str(data.arp_validate) ?? 'none';
  status.arpIpTargets = Array.isArray(data.arp_ip_target)
    ? data.arp_ip_target.filter((t): t is string => typeof t === 'string')
    : [];
  if (Array.isArray(data.ns_ip6_target))
    status.nsIp6Targets = data.ns_ip6_target.filter((t): t is string => typeof t === 'string');
  status.failOverMac = str(data.fail_over_mac);
  const hash = str(data.xmit_hash_policy);
  if (hash) status.xmitHashPolicy = { name: hash };
  status.primary = str(data.primary) ?? null;
  status.primaryReselect = str(data.primary_reselect);
  if (mode?.name === '802.3ad') {
    const info = data.ad_info as Json | undefined;
    status.ad = {
      lacpActive: data.ad_lacp_active === undefined ? undefined : data.ad_lacp_active === 'on',
      lacpRate: str(data.ad_lacp_rate) as 'slow' | 'fast' | undefined,
      minLinks: num(data.min_links),
      adSelect: str(data.ad_select),
      systemPriority: num(data.ad_actor_sys_prio),
      activeAggregator: info
        ? {
            id: num(info.aggregator) ?? 0,
            numberOfPorts: num(info.num_ports),
            actorKey: num(info.actor_key),
            partnerKey: num(info.partner_key),
            partnerMac: str(info.partner_mac),
          }
        : null,
    };
  }
  for (const link of links.filter((l) => l.master === bond && l.linkinfo?.info_slave_kind === 'bond')) {
    const s = link.linkinfo?.info_slave_data ?? {};
    const slave: SlaveStatus = {
      name: link.ifname,
      miiStatus: (str(s.mii_status) ?? 'DOWN').toLowerCase().replace('_', ' ') as SlaveMiiStatus,
      linkFailureCount: num(s.link_failure_count),
      permanentHwAddr: str(s.perm_hwaddr),
      queueId: num(s.queue_id),
    };
    const state = str(s.state)?.toLowerCase();
    if (state === 'active' || state === 'backup') slave.state = state;
    if (mode?.name === '802.3ad') {
      slave.aggregatorId = num(s.ad_aggregator_id) ?? null;
      const actor = num(s.ad_actor_oper_port_state);
      const partner = num(s.ad_partner_oper_port_state);
      if (actor !== undefined) slave.actor = { portState: actor, portStateFlags: decodePortState(actor) };
      if (partner !== undefined) slave.partner = { portState: partner, portStateFlags: decodePortState(partner) };
    }
    status.slaves.push(slave);
  }
  return status;
}

export async function readNetlink(target: Target, bond: string, netns?: string): Promise<BondStatus> {
  const argv = netns ? ['ip', '-n', netns, '-d', '-j', 'link', 'show'] : ['ip', '-d', '-j', 'link', 'show'];
  const status = parseIpLinkJson(JSON.parse((await run(target, argv)).stdout) as IpLink[], bond);
  if (!status) throw new Error(`no bond named ${bond}${netns ? ` in namespace ${netns}` : ''}`);
  return status;
}
