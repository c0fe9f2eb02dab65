/**
 * What a captured frame (Ethernet, or tcpdump's "any" pseudo-header) is, for the failover table: one of bondlab's probe packets (flow,
 * sequence number, send time), a gratuitous or other ARP, an LACPDU, an unsolicited IPv6 neighbour
 * advertisement, a balance-tlb/alb learning packet, or something else.
 */
/** traffic/probe.cts's magic; that module runs the probe when loaded, so it cannot be imported. */
const PROBE_MAGIC = 0x424c;

export type Frame =
  | { kind: 'probe'; flow: number; seq: number; sentUs: number; src: string; dst: string }
  | { kind: 'gratuitous-arp' | 'arp'; detail: string }
  | { kind: 'lacpdu'; detail: string }
  | { kind: 'neighbour-advert'; detail: string }
  | { kind: 'learning-packet'; detail: string }
  | { kind: 'other' };

const ETH_ARP = 0x0806;
const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_SLOW = 0x8809;
const ETH_VLAN = 0x8100;
/** bond_alb.c's ETH_P_LOOPBACK: balance-tlb/alb send one from a slave to teach the switch its MAC's new port. */
const ETH_LEARNING = 0x9000;

const mac = (b: Buffer, at: number) =>
  [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ipv4 = (b: Buffer, at: number) => [...b.subarray(at, at + 4)].join('.');

/** LACP actor state bits (802.1AX), the ones a failover changes. */
function lacpState(state: number): string {
  const bits: [number, string][] = [
    [0x04, 'aggregation'],
    [0x08, 'sync'],
    [0x10, 'collecting'],
    [0x20, 'distributing'],
    [0x40, 'defaulted'],
    [0x80, 'expired'],
  ];
  return (
    bits
      .filter(([bit]) => state & bit)
      .map(([, name]) => name)
      .join(',') || 'none'
  );
}

/** pcap link types (https://www.tcpdump.org/linktypes.html) of the frames bondlab reads. */
export const LINKTYPE_ETHERNET = 1;
/** tcpdump -i any: a 20-byte header with the protocol, the interface's index and the source address. */
export const LINKTYPE_LINUX_SLL2 = 276;

/** The interface a LINUX_SLL2 record was captured on. */
export function sll2Ifindex(frame: Buffer): number | undefined {
  return frame.length >= 20 ? frame.readUInt32BE(4) : undefined;
}

/** The protocol, where its header starts, and the sender's MAC. */
function linkHeader(frame: Buffer, linkType: number): { type: number; at: number; from: string } | undefined {
  if (linkType === LINKTYPE_LINUX_SLL2) {
    if (frame.length < 20) return undefined;
    return { type: frame.readUInt16BE(0), at: 20, from: frame[11] === 6 ? mac(frame, 12) : '?' };
  }
  if (frame.length < 14) return undefined;
  const type = frame.readUInt16BE(12);
  if (type === ETH_VLAN && frame.length >= 18) return { type: frame.readUInt16BE(16), at: 18, from: mac(frame, 6) };
  return { type, at: 14, from: mac(frame, 6) };
}

export function classify(frame: Buffer, probePort: number, linkType: number = LINKTYPE_ETHERNET): Frame {
  const header = linkHeader(frame, linkType);
  if (!header) return { kind: 'other' };
  const { type, at, from } = header;
  if (type === ETH_ARP && frame.length >= at + 28) {
    const op = frame.readUInt16BE(at + 6);
    const sender = ipv4(frame, at + 14);
    const targetIp = ipv4(frame, at + 24);
    const gratuitous = sender === targetIp;
    const what = op === 1 ? 'request' : op === 2 ? 'reply' : `op ${op}`;
    return {
      kind: gratuitous ? 'gratuitous-arp' : 'arp',
      detail: `${what} ${sender} is-at ${mac(frame, at + 8)}${gratuitous ? '' : ` (who has ${targetIp})`} from ${from}`,
    };
  }
  if (type === ETH_SLOW && frame.length >= at + 24 && frame[at] === 1) {
    // Actor TLV from offset 2: type, length, system priority, system, key, port priority, port, state.
    const actorSystem = mac(frame, at + 6);
    const port = frame.readUInt16BE(at + 16);
    return {
      kind: 'lacpdu',
      detail: `actor ${actorSystem} port ${port} state ${lacpState(frame[at + 18] ?? 0)} from ${from}`,
    };
  }
  if (type === ETH_LEARNING) {
    return { kind: 'learning-packet', detail: `switch learning for ${from}` };
  }
  if (type === ETH_IPV6 && frame.length >= at + 40 + 24 && frame[at + 6] === 58 && frame[at + 40] === 136) {
    return { kind: 'neighbour-advert', detail: `from ${from}` };
  }
  if (type === ETH_IPV4 && frame.length >= at + 20) {
    const ihl = ((frame[at] ?? 0) & 0x0f) * 4;
    const udp = at + ihl;
    if (
      frame[at + 9] === 17 &&
      frame.length >= udp + 8 + 16 &&
      frame.readUInt16BE(udp + 2) === probePort &&
      frame.readUInt16BE(udp + 8) === PROBE_MAGIC
    ) {
      const payload = udp + 8;
      return {
        kind: 'probe',
        flow: frame.readUInt16BE(payload + 2),
        seq: frame.readUInt32BE(payload + 4),
        sentUs: Number(frame.readBigUInt64BE(payload + 8)),
        src: `${ipv4(frame, at + 12)}:${frame.readUInt16BE(udp)}`,
        dst: `${ipv4(frame, at + 16)}:${probePort}`,
      };
    }
  }
  return { kind: 'other' };
}
