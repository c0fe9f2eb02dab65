/**
 * Recognises the bonding driver's kernel messages in the three styles it has printed:
 *   old:        "bonding: bond0: releasing active interface eth0"
 *   3.16-5.2:   "bond0: Releasing active interface eth0"
 *   5.3 on:     "bond0: (slave eth0): Releasing active interface"
 * Lines that mention a bond but match no known event come back as kind 'other', never dropped.
 */

import type { LogEventKind } from './vocabulary.js';

/** A recognised event, or 'other' for a bonding line that matches none. */
export type BondLogKind = LogEventKind | 'other';

export interface BondLogEvent {
  kind: BondLogKind;
  bond: string;
  slave?: string;
  details: Record<string, string | number>;
  /** Microseconds of CLOCK_MONOTONIC, when the line carried a timestamp. */
  timeUs?: number;
  raw: string;
}

interface Pattern {
  kind: BondLogKind;
  /** Matched against the message with the bond (and slave, in the 5.3+ style) prefix removed. */
  re: RegExp;
  details?: (match: RegExpExecArray) => Record<string, string | number>;
}

// Each pattern names the slave as (?<slave>...) where older styles print it inside the message.
const PATTERNS: Pattern[] = [
  {
    kind: 'enslave',
    re: /^(?:enslaving|Enslaving) (?:(?<slave>\S+) )?as an? (?<role>active|backup) interface(?: with (?:an? )?(?<link>up|down) link)?/i,
    details: (m) => ({ role: m.groups?.role ?? '', ...(m.groups?.link ? { link: m.groups.link } : {}) }),
  },
  {
    kind: 'release',
    re: /^releasing (?<role>active|backup) interface(?: (?<slave>\S+))?/i,
    details: (m) => ({ role: (m.groups?.role ?? '').toLowerCase() }),
  },
  {
    kind: 'new-active-slave',
    re: /^making interface (?:(?<slave>\S+) )?the new active one(?: (?<ms>\d+) ms earlier)?/i,
    details: (m): Record<string, number> => (m.groups?.ms ? { msEarlier: Number(m.groups.ms) } : {}),
  },
  { kind: 'link-down', re: /^link status definitely down for interface (?<slave>[^\s,]+)/i },
  { kind: 'link-down', re: /^link status definitely down, disabling slave/i },
  {
    kind: 'link-up',
    re: /^link status definitely up for interface (?<slave>[^\s,]+)(?:, (?<speed>\d+) Mbps (?<duplex>\w+) duplex)?/i,
    details: (m): Record<string, string | number> =>
      m.groups?.speed ? { speedMbps: Number(m.groups.speed), duplex: m.groups.duplex ?? '' } : {},
  },
  {
    kind: 'link-up',
    re: /^link status definitely up(?:, (?<speed>\d+) Mbps (?<duplex>\w+) duplex)?/i,
    details: (m): Record<string, string | number> =>
      m.groups?.speed ? { speedMbps: Number(m.groups.speed), duplex: m.groups.duplex ?? '' } : {},
  },
  {
    kind: 'pending-down',
    re: /^link status down for (?:idle |active |backup )?interface(?: (?<slave>[^\s,]+))?, disabling it in (?<ms>\d+) ms/i,
    details: (m) => ({ delayMs: Number(m.groups?.ms) }),
  },
  {
    kind: 'pending-up',
    re: /^link status up(?: for (?:idle |active |backup )?interface(?: (?<slave>[^\s,]+))?)?, enabling it in (?<ms>\d+) ms/i,
    details: (m) => ({ delayMs: Number(m.groups?.ms) }),
  },
  {
    kind: 'link-up',
    re: /^link status up again after (?<ms>\d+) ms for interface(?: (?<slave>\S+))?/i,
    details: (m) => ({ afterMs: Number(m.groups?.ms) }),
  },
  { kind: 'no-active', re: /^now running without any active interface/i },
  {
    kind: 'active-up',
    re: /^(?:first )?active interface up/i,
    details: (m) => ({ first: /^first/i.test(m[0]) ? 1 : 0 }),
  },
];

/** The dmesg prefix `[  12.345678] ` or a kmsg record prefix `6,1234,12345678,-;`. */
function stripTimestamp(line: string): { text: string; timeUs?: number } {
  const dmesg = /^\[\s*(\d+)\.(\d{1,6})\]\s?/.exec(line);
  if (dmesg)
    return {
      text: line.slice(dmesg[0].length),
      timeUs: Number(dmesg[1]) * 1e6 + Number((dmesg[2] ?? '0').padEnd(6, '0')),
    };
  const kmsg = /^\d+,\d+,(\d+),[^;]*;/.exec(line);
  if (kmsg) return { text: line.slice(kmsg[0].length), timeUs: Number(kmsg[1]) };
  return { text: line };
}

/** A bonding event from one kernel log line, or undefined when the line is not the bonding driver's. */
export function recogniseBondingLine(line: string): BondLogEvent | undefined {
  const { text: stamped, timeUs } = stripTimestamp(line.trimEnd());
  // Old drivers prefix "bonding: "; the bond name follows; 5.3+ adds "(slave X): ".
  const head = /^(?:bonding: )?(?<bond>[\w.@-]+): (?:\(slave (?<slave>[^)]+)\): )?(?<message>.*)$/.exec(stamped);
  if (!head?.groups) return undefined;
  const { bond = '', message = '' } = head.groups;
  for (const pattern of PATTERNS) {
    const match = pattern.re.exec(message);
    if (!match) continue;
    const slave = head.groups.slave ?? match.groups?.slave;
    return { kind: pattern.kind, bond, slave, details: pattern.details?.(match) ?? {}, timeUs, raw: line };
  }
  // Bonds may have any name: an unrecognised line counts as bonding's only when it says so.
  if (!/^bond/.test(bond) && !stamped.startsWith('bonding: ') && !head.groups.slave) return undefined;
  return { kind: 'other', bond, slave: head.groups.slave, details: {}, timeUs, raw: line };
}

/** Every bonding event in a log text (dmesg output or /dev/kmsg records). */
export function parseKernelLog(text: string): BondLogEvent[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(recogniseBondingLine)
    .filter((event): event is BondLogEvent => event !== undefined);
}
