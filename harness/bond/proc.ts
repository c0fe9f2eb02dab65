/**
 * Reads /proc/net/bonding/<bond> as every era of the driver printed it: 2.x drivers without blank
 * lines or Speed/Duplex, v3.x version strings, kernel-release strings from 5.x on, and the
 * 6.x/7.x additions. Copies pasted from tickets carry tabs or spaces and CRLF; both are fine.
 * It never throws: what it cannot read is returned as unknown lines and diagnostics.
 */
import {
  decodePortState,
  modeFrom,
  type BondStatus,
  type Diagnostic,
  type LacpPortDetails,
  type SlaveMiiStatus,
  type SlaveStatus,
} from './status.js';
import { SLAVE_MII_STATES } from './vocabulary.js';

export interface ProcParseResult {
  status: BondStatus;
  diagnostics: Diagnostic[];
  unknownLines: { line: number; text: string }[];
}

type Section = 'master' | 'ad' | 'aggregator' | 'slave' | 'actor-pdu' | 'partner-pdu';

function int(value: string): number | undefined {
  const match = /^-?\d+/.exec(value.trim());
  return match ? Number(match[0]) : undefined;
}

const SLAVE_MII = new Set<string>(SLAVE_MII_STATES);

function parseDriverLine(value: string): BondStatus['driver'] {
  const line = `Ethernet Channel Bonding Driver: ${value}`;
  const old = /^v?(\d+\.\d+\.\d+)\s*\(([^)]*)\)\s*$/.exec(value);
  if (old) return { line, version: old[1], date: old[2] };
  const release = /^v?(\d+\.\d+[^\s]*)\s*$/.exec(value);
  if (release) return { line, version: release[1], kernelRelease: release[1] };
  return { line };
}

const DRIVER_KEY = 'Ethernet Channel Bonding Driver';

/** A line's label and value; IPv6 target lines carry colons in their own label. */
function splitLine(line: string): { key: string; value: string; hasValue: boolean } {
  const colon = line.startsWith('NS IPv6 target/s') ? line.indexOf('):') + 1 : line.indexOf(':');
  return colon >= 0
    ? { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim(), hasValue: true }
    : { key: line, value: '', hasValue: false };
}

/**
 * Where each bond's text begins (0-based line indexes): at its driver line, or at its mode line
 * when the driver line was not pasted. Several texts pasted together are one text to a reader
 * that does not look, which then sees one bond with every bond's slaves.
 */
function bondTextStarts(lines: string[]): number[] {
  const starts: number[] = [];
  let driver = false;
  let mode = false;
  lines.forEach((raw, index) => {
    const { key } = splitLine(raw.trim());
    const isDriver = key === DRIVER_KEY;
    if (!isDriver && key !== 'Bonding Mode') return;
    if (starts.length === 0 || (isDriver ? driver || mode : mode)) {
      starts.push(index);
      driver = false;
      mode = false;
    }
    if (isDriver) driver = true;
    else mode = true;
  });
  return starts;
}

function listLines(indexes: number[]): string {
  const shown = indexes.slice(0, 5).map((i) => String(i + 1));
  return indexes.length > shown.length ? `${shown.join(', ')}, ...` : shown.join(', ');
}

export function parseProcBonding(text: string, bondName?: string): ProcParseResult {
  const status: BondStatus = { source: 'proc', bond: bondName, slaves: [] };
  const diagnostics: Diagnostic[] = [];
  const unknownLines: { line: number; text: string }[] = [];
  let section: Section = 'master';
  let slave: SlaveStatus | undefined;
  let pdu: LacpPortDetails | undefined;
  const ad = () => (status.ad ??= {});
  let bondMiiSeen = false;
  /** Each slave's labels in order, to tell a slave block that was cut short. */
  const slaveKeys = new Map<SlaveStatus, string[]>();

  const allLines = String(text).replace(/\r\n?/g, '\n').split('\n');
  const starts = bondTextStarts(allLines);
  const lines = starts.length > 1 ? allLines.slice(0, starts[1]) : allLines;
  if (starts.length > 1) {
    diagnostics.push({
      severity: 'error',
      message: `${starts.length} bonds' texts pasted together (they begin at lines ${listLines(starts)}); only the first, up to line ${starts[1] ?? 0}, is read: give one bond's text at a time`,
    });
  }
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const indented = /^\s/.test(raw);
    const line = raw.trim();
    if (!line) return;
    const unknown = () => unknownLines.push({ line: lineNo, text: raw });
    const { key, value } = splitLine(line);
    if (slave && key !== 'Slave Interface') slaveKeys.get(slave)?.push(key);

    if (key === DRIVER_KEY) {
      status.driver = parseDriverLine(value);
      return;
    }
    if (key === 'Slave Interface') {
      slave = { name: value, miiStatus: 'down' };
      status.slaves.push(slave);
      slaveKeys.set(slave, []);
      section = 'slave';
      pdu = undefined;
      return;
    }
    if (line === '802.3ad info') {
      ad();
      section = 'ad';
      return;
    }
    if (key === 'Active Aggregator Info') {
      ad().activeAggregator ??= { id: 0 };
      section = 'aggregator';
      return;
    }
    const noAggregator = /^bond (\S+) has no active aggregator$/.exec(line);
    if (noAggregator) {
      ad().activeAggregator = null;
      status.bond ??= noAggregator[1];
      return;
    }
    if (section === 'slave' || section === 'actor-pdu' || section === 'partner-pdu') {
      if (!slave) return unknown();
      if (line === 'details actor lacp pdu:') {
        pdu = slave.actor = {};
        section = 'actor-pdu';
        return;
      }
      if (line === 'details partner lacp pdu:') {
        pdu = slave.partner = {};
        section = 'partner-pdu';
        return;
      }
      if (pdu && (section === 'actor-pdu' || section === 'partner-pdu')) {
        switch (key) {
          case 'system priority':
            pdu.systemPriority = int(value);
            return;
          case 'system mac address':
            pdu.systemMac = value;
            return;
          case 'port key':
          case 'oper key':
            pdu.key = int(value);
            return;
          case 'port priority':
            pdu.portPriority = int(value);
            return;
          case 'port number':
            pdu.portNumber = int(value);
            return;
          case 'port state': {
            const state = int(value);
            pdu.portState = state;
            if (state !== undefined) pdu.portStateFlags = decodePortState(state);
            return;
          }
        }
      }
      switch (key) {
        case 'MII Status':
          if (SLAVE_MII.has(value)) slave.miiStatus = value as SlaveMiiStatus;
          else
            diagnostics.push({
              line: lineNo,
              severity: 'warning',
              message: `slave ${slave.name}: unknown MII status "${value}"`,
            });
          return;
        case 'Speed': {
          if (/^unknown$/i.test(value)) slave.speed = 'unknown';
          else if (int(value) !== undefined) slave.speed = int(value);
          else {
            diagnostics.push({
              line: lineNo,
              severity: 'warning',
              message: `slave ${slave.name}: Speed without a value`,
            });
            unknown();
          }
          return;
        }
        case 'Duplex': {
          const duplex = value.toLowerCase();
          if (duplex === 'full' || duplex === 'half' || duplex === 'unknown') slave.duplex = duplex;
          else unknown();
          return;
        }
        case 'Link Failure Count':
          slave.linkFailureCount = int(value);
          return;
        case 'Permanent HW addr':
          slave.permanentHwAddr = value;
          return;
        case 'Slave queue ID':
          slave.queueId = int(value);
          return;
        case 'Aggregator ID':
          slave.aggregatorId = value === 'N/A' ? null : (int(value) ?? null);
          return;
        case 'Actor Churn State':
          slave.actorChurnState = value;
          return;
        case 'Partner Churn State':
          slave.partnerChurnState = value;
          return;
        case 'Actor Churned Count':
          slave.actorChurnedCount = int(value);
          return;
        case 'Partner Churned Count':
          slave.partnerChurnedCount = int(value);
          return;
      }
      return unknown();
    }
    if (
      section === 'aggregator' &&
      (indented || /^(Aggregator ID|Number of ports|Actor Key|Partner Key|Partner Mac Address)$/.test(key))
    ) {
      const aggregator = (ad().activeAggregator ??= { id: 0 });
      switch (key) {
        case 'Aggregator ID':
          aggregator.id = int(value) ?? 0;
          return;
        case 'Number of ports':
          aggregator.numberOfPorts = int(value);
          return;
        case 'Actor Key':
          aggregator.actorKey = int(value);
          return;
        case 'Partner Key':
          aggregator.partnerKey = int(value);
          return;
        case 'Partner Mac Address':
          aggregator.partnerMac = value;
          return;
      }
      return unknown();
    }
    switch (key) {
      case 'Bonding Mode': {
        const suffix = /\s*\(fail_over_mac (\w+)\)\s*$/.exec(value);
        const modeText = suffix ? value.slice(0, suffix.index) : value;
        const mode = modeFrom(modeText);
        if (mode) status.mode = { ...mode, text: modeText };
        else diagnostics.push({ line: lineNo, severity: 'error', message: `unknown bonding mode "${modeText}"` });
        status.failOverMac = suffix ? suffix[1] : 'none';
        return;
      }
      case 'Transmit Hash Policy': {
        const match = /^(\S+)(?:\s*\((\d+)\))?/.exec(value);
        if (match?.[1])
          status.xmitHashPolicy = { name: match[1], number: match[2] === undefined ? undefined : Number(match[2]) };
        return;
      }
      case 'Primary Slave': {
        const match = /^(\S+)(?:\s*\(primary_reselect (\w+)\))?/.exec(value);
        status.primary = !match?.[1] || match[1] === 'None' ? null : match[1];
        if (match?.[2]) status.primaryReselect = match[2];
        return;
      }
      case 'Currently Active Slave':
        status.activeSlave = value === 'None' || value === '' ? null : value;
        return;
      case 'MII Status':
        bondMiiSeen = true;
        if (value === 'up' || value === 'down') status.miiStatus = value;
        else diagnostics.push({ line: lineNo, severity: 'warning', message: `unknown bond MII status "${value}"` });
        return;
      case 'MII Polling Interval (ms)':
        status.miimon = int(value);
        return;
      case 'Up Delay (ms)':
        status.updelay = int(value);
        return;
      case 'Down Delay (ms)':
        status.downdelay = int(value);
        return;
      case 'Peer Notification Delay (ms)':
        status.peerNotifyDelay = int(value);
        return;
      case 'ARP Polling Interval (ms)':
        status.arpInterval = int(value);
        return;
      case 'ARP Missed Max':
        status.arpMissedMax = int(value);
        return;
      case 'ARP IP target/s (n.n.n.n form)':
        status.arpIpTargets = value.split(/[,\s]+/).filter(Boolean);
        return;
      case 'NS IPv6 target/s (xx::xx form)':
      case 'NS IPv6 target/s (XX::XX form)':
        status.nsIp6Targets = value.split(/[,\s]+/).filter(Boolean);
        return;
      case 'LACP active':
        ad().lacpActive = value === 'on';
        return;
      case 'LACP rate':
        if (value === 'slow' || value === 'fast') ad().lacpRate = value;
        return;
      case 'Min links':
        ad().minLinks = int(value);
        return;
      case 'Aggregator selection policy (ad_select)':
        ad().adSelect = value;
        return;
      case 'System priority':
        ad().systemPriority = int(value);
        return;
      case 'System MAC address':
        ad().systemMac = value;
        return;
    }
    unknown();
  });

  if (!status.driver && !status.mode)
    diagnostics.push({
      severity: 'error',
      message: 'no driver or mode line: this does not look like /proc/net/bonding text',
    });
  else {
    const cut = cutShort({
      text,
      lines,
      pastedTogether: starts.length > 1,
      status,
      unknownLines,
      diagnostics,
      bondMiiSeen,
      slaves: status.slaves.map((s) => ({ name: s.name, keys: slaveKeys.get(s) ?? [] })),
    });
    if (cut) diagnostics.push(cut);
  }
  if (unknownLines.length)
    diagnostics.push({
      severity: 'warning',
      message: `${unknownLines.length} line(s) not understood; they are listed as unknown lines`,
    });
  return { status, diagnostics, unknownLines };
}

interface ReadText {
  text: string;
  /** The lines read: the first bond's when several were pasted together. */
  lines: string[];
  pastedTogether: boolean;
  status: BondStatus;
  unknownLines: { line: number }[];
  diagnostics: Diagnostic[];
  bondMiiSeen: boolean;
  slaves: { name: string; keys: string[] }[];
}

/**
 * Whether the text stops before the driver finished printing it. Certain: a last line cut
 * mid-way (no newline, and not understood or without its value), no bond MII Status line, a last
 * slave without MII Status or Link Failure Count (every era prints these), or inside an LACP PDU
 * block (each ends with its port state). Likely: a last slave block that is a shorter copy of the
 * first slave's (the driver prints the same lines for every slave, except "Aggregator ID: N/A"
 * and nothing more for an 802.3ad slave without one), or fewer slaves in the active aggregator
 * than its port count.
 */
function cutShort({
  text,
  lines,
  pastedTogether,
  status,
  unknownLines,
  diagnostics,
  bondMiiSeen,
  slaves,
}: ReadText): Diagnostic | undefined {
  const lastIndex = lines.findLastIndex((line) => line.trim() !== '');
  const lastNo = lastIndex + 1;
  const last = lines[lastIndex]?.trim() ?? '';
  const split = splitLine(last);
  const lastNotRead =
    unknownLines.some((u) => u.line === lastNo) ||
    diagnostics.some((d) => d.line === lastNo) ||
    (split.hasValue && split.value === '');
  const cut = (message: string): Diagnostic => ({
    line: lastNo,
    severity: 'error',
    message: `${message}: it was cut off, and what it held is shown`,
  });
  const maybeCut = (message: string): Diagnostic => ({
    line: lastNo,
    severity: 'warning',
    message: `${message}: the text may have been cut off`,
  });
  if (!pastedTogether && !/\n[ \t]*$/.test(text) && lastNotRead)
    return cut(`the text ends mid-line ("${last}", no newline)`);
  if (!bondMiiSeen) return cut("the text ends before the bond's MII Status line");
  const first = slaves[0];
  const final = slaves.at(-1);
  if (!first || !final) return undefined;
  const after = `after "${final.keys.at(-1) ?? 'Slave Interface'}"`;
  const count = (key: string) => final.keys.filter((k) => k === key).length;
  const pdus = count('details actor lacp pdu') + count('details partner lacp pdu');
  if (!final.keys.includes('MII Status') || !final.keys.includes('Link Failure Count') || count('port state') < pdus) {
    return cut(`the text ends inside slave ${final.name}'s block (${after})`);
  }
  const prefixOfFirst =
    final !== first && final.keys.length < first.keys.length && final.keys.every((key, i) => key === first.keys[i]);
  const withoutAggregator = final.keys.at(-1) === 'Aggregator ID' && status.slaves.at(-1)?.aggregatorId === null;
  if (prefixOfFirst && !withoutAggregator)
    return maybeCut(`slave ${final.name}'s block ends early (${after}) where slave ${first.name}'s goes on`);
  const aggregator = status.ad?.activeAggregator;
  const members = status.slaves.filter((s) => aggregator && s.aggregatorId === aggregator.id).length;
  if (aggregator?.numberOfPorts !== undefined && members < aggregator.numberOfPorts) {
    return maybeCut(
      `the active aggregator ${aggregator.id} has ${aggregator.numberOfPorts} ports, but ${members} slave(s) in it are listed`,
    );
  }
  return undefined;
}
