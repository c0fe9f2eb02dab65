/**
 * One typed model of a bond's state, shared by the whole project. The /proc, sysfs and netlink
 * readers all produce it; checks, samples and reports all read it.
 */

import {
  modeText,
  MODES,
  XMIT_HASH_POLICIES,
  type BondMiiStatus,
  type ModeName,
  type SlaveMiiStatus,
} from './vocabulary.js';

export type { SlaveMiiStatus };

export interface LacpPortStateFlags {
  lacpActivity: boolean;
  lacpTimeout: boolean;
  aggregation: boolean;
  synchronization: boolean;
  collecting: boolean;
  distributing: boolean;
  defaulted: boolean;
  expired: boolean;
}

/** One side of a slave's LACPDU, as /proc prints under "details actor/partner lacp pdu". */
export interface LacpPortDetails {
  systemPriority?: number;
  systemMac?: string;
  /** "port key" for the actor, "oper key" for the partner. */
  key?: number;
  portPriority?: number;
  portNumber?: number;
  portState?: number;
  portStateFlags?: LacpPortStateFlags;
}

export interface SlaveStatus {
  name: string;
  miiStatus: SlaveMiiStatus;
  /** Mbps, or 'unknown'; absent where the driver did not print it (2.x). */
  speed?: number | 'unknown';
  duplex?: 'full' | 'half' | 'unknown';
  linkFailureCount?: number;
  permanentHwAddr?: string;
  queueId?: number;
  /** sysfs and netlink say which slave is active or backup. */
  state?: 'active' | 'backup';
  aggregatorId?: number | null;
  actorChurnState?: string;
  partnerChurnState?: string;
  actorChurnedCount?: number;
  partnerChurnedCount?: number;
  actor?: LacpPortDetails;
  partner?: LacpPortDetails;
}

export interface ActiveAggregator {
  id: number;
  numberOfPorts?: number;
  actorKey?: number;
  partnerKey?: number;
  partnerMac?: string;
}

export interface Ad8023Info {
  lacpActive?: boolean;
  lacpRate?: 'slow' | 'fast';
  minLinks?: number;
  adSelect?: string;
  systemPriority?: number;
  systemMac?: string;
  /** null: the driver said the bond "has no active aggregator". */
  activeAggregator?: ActiveAggregator | null;
}

export interface BondStatus {
  source: 'proc' | 'sysfs' | 'netlink';
  bond?: string;
  driver?: {
    line: string;
    /** "3.7.1" for old drivers, or the kernel release newer drivers print. */
    version?: string;
    date?: string;
    kernelRelease?: string;
  };
  mode?: { name: ModeName; number: number; text?: string };
  failOverMac?: string;
  xmitHashPolicy?: { name: string; number?: number };
  primary?: string | null;
  primaryReselect?: string;
  activeSlave?: string | null;
  miiStatus?: BondMiiStatus;
  miimon?: number;
  updelay?: number;
  downdelay?: number;
  peerNotifyDelay?: number;
  arpInterval?: number;
  arpMissedMax?: number;
  arpValidate?: string;
  arpIpTargets?: string[];
  nsIp6Targets?: string[];
  ad?: Ad8023Info;
  slaves: SlaveStatus[];
}

/** The bond's status as read at one moment on the target's clock, with the text it was parsed from. */
export interface BondSnapshot {
  /** When the read began. */
  atNs: bigint;
  /** When the read ended (a change it shows happened before this); absent where no target was read. */
  readNs?: bigint;
  status: BondStatus;
  procText: string;
}

const MODE_BY_TEXT = new Map<string, ModeName>(MODES.map((name) => [modeText(name), name]));

/** The mode from what /proc prints, a sysfs/netlink name, or a number. */
export function modeFrom(value: string | number): { name: ModeName; number: number } | undefined {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const number = Number(value);
    const name = MODES[number];
    return name ? { name, number } : undefined;
  }
  const name = MODE_BY_TEXT.get(value.trim()) ?? MODES.find((n) => n === value.trim());
  return name ? { name, number: MODES.indexOf(name) } : undefined;
}

export function xmitHashPolicyNumber(name: string): number | undefined {
  const index = (XMIT_HASH_POLICIES as readonly string[]).indexOf(name);
  return index >= 0 ? index : undefined;
}

/** The LACP port state byte: bit 0 activity ... bit 7 expired (IEEE 802.1AX). */
export function decodePortState(state: number): LacpPortStateFlags {
  const bit = (n: number) => (state & (1 << n)) !== 0;
  return {
    lacpActivity: bit(0),
    lacpTimeout: bit(1),
    aggregation: bit(2),
    synchronization: bit(3),
    collecting: bit(4),
    distributing: bit(5),
    defaulted: bit(6),
    expired: bit(7),
  };
}

/** A problem the reader met: never thrown, always returned beside what it could read. */
export interface Diagnostic {
  line?: number;
  severity: 'warning' | 'error';
  message: string;
}
