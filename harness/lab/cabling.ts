/**
 * Which test NIC is cabled to which peer NIC, found by a probe frame: each test NIC sends ICMPv6
 * echo requests to all-nodes (ff02::1, link-local scope: they never leave the cable) carrying a
 * pattern of its own, while tcpdump listens on every peer NIC. A NIC that is down is brought up
 * for the probe only under a journal (LabSession), and put back down afterwards.
 */
import { randomBytes } from 'node:crypto';
import { run, type Target } from '../target/target.js';
import type { Lab } from './lab.js';
import { LabSession, type LabInspection } from './session.js';

export interface CablingRow {
  /** The test NIC's label and name. */
  dut: string;
  name: string;
  /** The peer NIC the lab says it is cabled to. */
  expected: string;
  /** The peer NICs its probe frames arrived on. */
  seenOn: string[];
  status: 'ok' | 'miscabled' | 'not-seen' | 'no-link';
  detail: string;
}

export type Cabling = { probed: true; rows: CablingRow[] } | { probed: false; reason: string };

/** Patterns look like b00d 00NN <nonce>: the NIC's index and this check's own random part. */
export function probePattern(nonce: string, index: number): string {
  return `b00d${index.toString(16).padStart(4, '0')}${nonce}`;
}

/**
 * tcpdump `-e -x` output, one `== NIC` section per peer NIC, to the patterns seen on each. A
 * pattern is found in a packet's bytes whatever tcpdump's grouping of them into words and lines.
 */
export function patternsSeen(text: string, patterns: string[]): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  let nic: string | undefined;
  let bytes = '';
  const flush = () => {
    if (nic) for (const p of patterns) if (bytes.includes(p)) seen.get(nic)?.add(p);
    bytes = '';
  };
  for (const line of text.split('\n')) {
    const section = /^== (\S+)$/.exec(line);
    const hex = /^\s+0x[0-9a-f]+:\s+([0-9a-f ]+)/.exec(line);
    if (section?.[1]) {
      flush();
      nic = section[1];
      seen.set(nic, new Set());
    } else if (hex?.[1]) bytes += hex[1].replace(/ /g, '');
    else flush();
  }
  flush();
  return seen;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One round trip: wait for carrier and a usable link-local address, listen on the peers, probe, print. */
export function probeScript(dut: string[], peers: string[], patterns: string[]): string {
  const lines = [
    'd=$(mktemp -d) && trap \'rm -rf "$d"\' EXIT',
    // A link-local source address exists once the link is up and duplicate address detection is done.
    ...dut.map(
      (nic) =>
        `for i in $(seq 80); do [ "$(cat /sys/class/net/${nic}/carrier 2>/dev/null)" = 1 ] && ip -6 -o addr show dev ${nic} scope link | grep -qv tentative && break; sleep 0.1; done`,
    ),
    'pids=',
    ...peers.map(
      (nic, i) =>
        `timeout 20 tcpdump -i ${nic} -nn -e -x -l -c 1000 'icmp6 and ip6[40] == 128' >"$d/${i}" 2>"$d/${i}.err" & pids="$pids $!"`,
    ),
    ...peers.map(
      (_, i) => `for i in $(seq 100); do grep -q 'listening on' "$d/${i}.err" 2>/dev/null && break; sleep 0.1; done`,
    ),
    ...dut.map(
      (nic, i) =>
        `echo "carrier ${nic} $(cat /sys/class/net/${nic}/carrier 2>/dev/null || echo 0)"; ping -6 -n -q -c 3 -i 0.2 -W 1 -I ${nic} -p ${patterns[i] ?? ''} ff02::1 >/dev/null 2>&1`,
    ),
    'sleep 0.5; kill $pids 2>/dev/null; wait',
    ...peers.map((nic, i) => `echo ${quote(`== ${nic}`)}; cat "$d/${i}"`),
  ];
  return lines.join('\n');
}

/** The rows, from what arrived where; `dut` and `peers` are in the lab's cable order. */
export function cablingRows(
  dut: { label: string; name: string; carrier: boolean }[],
  peers: { label: string; name: string }[],
  patterns: string[],
  seen: Map<string, Set<string>>,
): CablingRow[] {
  return dut.map((nic, i) => {
    const expected = peers[i]?.label ?? '';
    const pattern = patterns[i] ?? '';
    const seenOn = peers.filter((p) => seen.get(p.name)?.has(pattern)).map((p) => p.label);
    const base = { dut: nic.label, name: nic.name, expected, seenOn };
    if (!nic.carrier) return { ...base, status: 'no-link', detail: `${nic.label}: no link, not probed` };
    if (seenOn.length === 1 && seenOn[0] === expected)
      return { ...base, status: 'ok', detail: `${nic.label} <-> ${expected}` };
    if (!seenOn.length)
      return {
        ...base,
        status: 'not-seen',
        detail: `${nic.label}: its probe arrived on no peer NIC (the lab says ${nic.label} <-> ${expected})`,
      };
    return {
      ...base,
      status: 'miscabled',
      detail: `${nic.label}: mis-cabled: the lab says ${nic.label} <-> ${expected}, the probe from ${nic.label} arrived on ${seenOn.join(', ')}`,
    };
  });
}

/**
 * Probe a back-to-back lab's cabling. Only on a lab with nothing to refuse: its NICs are
 * journaled, the ones that were down brought up, and everything put back before this returns.
 */
export async function probeCabling(
  target: Target,
  lab: Lab,
  inspection: LabInspection,
  runId: string,
  sessionAddress?: string,
): Promise<Cabling> {
  if (lab.far.kind !== 'peer')
    return { probed: false, reason: 'the far side is a switch: which port a NIC is cabled to is not probed' };
  if (inspection.refusals.length) return { probed: false, reason: 'not probed while a NIC would be refused' };
  const session = await LabSession.open(target, lab, runId, { sessionAddress });
  try {
    for (const state of session.states.filter((s) => !s.up))
      await run(session.target, ['ip', 'link', 'set', 'dev', state.name, 'up']);
    const dut = session.states.filter((s) => s.role === 'dut');
    const peers = session.states.filter((s) => s.role === 'peer');
    const nonce = randomBytes(4).toString('hex');
    const patterns = dut.map((_, i) => probePattern(nonce, i));
    const result = await run(session.target, [
      'sh',
      '-c',
      probeScript(
        dut.map((s) => s.name),
        peers.map((s) => s.name),
        patterns,
      ),
    ]);
    const carrier = new Set(
      [...result.stdout.matchAll(/^carrier (\S+) 1$/gm)].map((m) => m[1]).filter((n): n is string => !!n),
    );
    return {
      probed: true,
      rows: cablingRows(
        dut.map((s) => ({ label: s.label, name: s.name, carrier: carrier.has(s.name) })),
        peers,
        patterns,
        patternsSeen(result.stdout, patterns),
      ),
    };
  } finally {
    await session.close();
  }
}
