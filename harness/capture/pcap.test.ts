import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reviveNanos, type RunResult } from '../runner/results.js';
import { CAPTURE_LIMITS, keepInterval, MAX_FILE_BYTES, requireTcpdump, summarize } from './capture.js';
import { FakeBondTarget } from '../testing/fake-target.js';
import { classify, LINKTYPE_LINUX_SLL2, sll2Ifindex } from './frames.js';
import { readPcap, trim, writePcapng, type CapturedPacket } from './pcap.js';
import { captureMarkdown, captureSection } from './report.js';

const PORT = 47000;
const macBytes = (text: string) => Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
const ipBytes = (text: string) => Buffer.from(text.split('.').map(Number));

function ethernet(dst: string, src: string, type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(14);
  macBytes(dst).copy(head, 0);
  macBytes(src).copy(head, 6);
  head.writeUInt16BE(type, 12);
  return Buffer.concat([head, payload]);
}

/** A probe datagram as traffic/probe.cts sends it: magic, flow, sequence, send time (µs, monotonic). */
function probe(flow: number, seq: number, sentUs: bigint): Buffer {
  const payload = Buffer.alloc(64);
  payload.writeUInt16BE(0x424c, 0);
  payload.writeUInt16BE(flow, 2);
  payload.writeUInt32BE(seq, 4);
  payload.writeBigUInt64BE(sentUs, 8);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000 + flow, 0);
  udp.writeUInt16BE(PORT, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ipBytes('198.18.1.1').copy(ip, 12);
  ipBytes('198.18.1.10').copy(ip, 16);
  return ethernet('02:b0:0d:01:01:10', '02:00:00:00:00:01', 0x0800, Buffer.concat([ip, udp, payload]));
}

function gratuitousArp(ip: string, mac: string): Buffer {
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0);
  arp.writeUInt16BE(0x0800, 2);
  arp[4] = 6;
  arp[5] = 4;
  arp.writeUInt16BE(2, 6);
  macBytes(mac).copy(arp, 8);
  ipBytes(ip).copy(arp, 14);
  macBytes('ff:ff:ff:ff:ff:ff').copy(arp, 18);
  ipBytes(ip).copy(arp, 24);
  return ethernet('ff:ff:ff:ff:ff:ff', mac, 0x0806, arp);
}

function lacpdu(system: string, port: number, state: number): Buffer {
  const body = Buffer.alloc(110);
  body[0] = 1; // subtype LACP
  body[1] = 1; // version
  body[2] = 1; // actor TLV
  body[3] = 20;
  body.writeUInt16BE(65535, 4);
  macBytes(system).copy(body, 6);
  body.writeUInt16BE(9, 12);
  body.writeUInt16BE(255, 14);
  body.writeUInt16BE(port, 16);
  body[18] = state;
  return ethernet('01:80:c2:00:00:02', system, 0x8809, body);
}

/** A classic pcap file as tcpdump --time-stamp-precision=nano writes it (little-endian here). */
function pcap(packets: CapturedPacket[], nano = true): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(160, 16);
  head.writeUInt32LE(1, 20);
  const records = packets.map((p) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Number(p.tsNs / 1_000_000_000n), 0);
    r.writeUInt32LE(Number(nano ? p.tsNs % 1_000_000_000n : (p.tsNs % 1_000_000_000n) / 1000n), 4);
    r.writeUInt32LE(p.data.length, 8);
    r.writeUInt32LE(p.origLen, 12);
    return Buffer.concat([r, p.data]);
  });
  return Buffer.concat([head, ...records]);
}

const T0 = 1_764_400_000_000_000_000n; // wall clock, ns
const at = (ms: number) => T0 + BigInt(Math.round(ms * 1e6));
const packet = (ms: number, data: Buffer): CapturedPacket => ({ tsNs: at(ms), data, origLen: data.length });

const dir = mkdtempSync(join(tmpdir(), 'bondlab-pcap-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pcap reading, trimming and pcapng writing', () => {
  const packets = [
    packet(0, probe(0, 1, 5_000_000n)),
    packet(10, gratuitousArp('198.18.1.1', '02:00:00:00:00:02')),
    packet(20, lacpdu('02:00:00:00:00:01', 2, 0x3d)),
    packet(900, probe(0, 2, 5_900_000n)),
  ];

  it('reads nanosecond and microsecond files, and drops a record cut off at the end', () => {
    const nano = readPcap(pcap(packets));
    expect(nano.packets.map((p) => p.tsNs)).toEqual(packets.map((p) => p.tsNs));
    expect(nano.linkType).toBe(1);
    const micro = readPcap(pcap(packets, false));
    expect(micro.packets[1]?.tsNs).toBe(at(10));
    const cut = pcap(packets);
    expect(readPcap(cut.subarray(0, cut.length - 5)).packets).toHaveLength(3);
    expect(() => readPcap(Buffer.from('not a capture file at all, really'))).toThrow(/not a pcap file/);
  });

  it('keeps the interval asked for, at most the limit', () => {
    expect(trim(packets, at(5), at(100), 10).packets).toHaveLength(2);
    expect(trim(packets, at(0), at(1000), 3)).toMatchObject({ truncated: true, packets: { length: 3 } });
  });

  it('writes pcapng that tcpdump reads with the same times and frames', () => {
    const file = join(dir, 'kept.pcapng');
    writeFileSync(file, writePcapng(packets, 1, 160, 'bond:eth0', 'a test'));
    const text = execFileSync('tcpdump', ['-r', file, '-n', '-tt', '--time-stamp-precision=nano'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^1764400000\.000000000 IP 198\.18\.1\.1\.40000 > 198\.18\.1\.10\.47000: UDP, length 64/);
    expect(lines[1]).toMatch(/^1764400000\.010000000 ARP, Reply 198\.18\.1\.1 is-at 02:00:00:00:00:02/);
    expect(lines[2]).toMatch(/^1764400000\.020000000 LACPv1/);
    expect(lines[3]).toMatch(/^1764400000\.900000000 IP /);
  });
});

describe('a target without tcpdump', () => {
  it('is refused with what to install', async () => {
    const target = new FakeBondTarget();
    await expect(requireTcpdump(target)).resolves.toBeUndefined();
    target.failing = /tcpdump/;
    await expect(requireTcpdump(target)).rejects.toThrow(
      '--capture needs tcpdump on fake bond target (unit tests) (Debian: apt-get install tcpdump)',
    );
  });
});

describe('the size bound of a kept file', () => {
  it('keeps at most maxPackets of at most snapLen bytes, within MAX_FILE_BYTES, whatever was captured', () => {
    // Full-size frames (as if the snap length had not applied), more than the limit, long names.
    const frame = Buffer.concat([probe(0, 1, 0n), Buffer.alloc(1400)]);
    const many = Array.from({ length: CAPTURE_LIMITS.maxPackets + 500 }, (_, i) => packet(i / 100, frame));
    const kept = keepInterval(many, 1, at(0), at(10_000), `bond:${'x'.repeat(300)}`, 'é'.repeat(5000));
    expect(kept.truncated).toBe(true);
    expect(kept.packets).toHaveLength(CAPTURE_LIMITS.maxPackets);
    expect(kept.bytes.length).toBeLessThanOrEqual(MAX_FILE_BYTES);
    expect(kept.bytes.length).toBeGreaterThan(CAPTURE_LIMITS.maxPackets * (32 + CAPTURE_LIMITS.snapLen));
    const file = join(dir, 'bound.pcapng');
    writeFileSync(file, kept.bytes);
    const text = execFileSync('tcpdump', ['-r', file, '-n', '-c', '1', '-e'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // tcpdump sees the frame cut at the snap length, its wire length intact.
    expect(text).toMatch(new RegExp(`length ${frame.length}:`));
  });
});

/** The same frame as `tcpdump -i any` records it: LINUX_SLL2's header, then the frame after its Ethernet header. */
function sll2(frame: Buffer, ifindex: number, outgoing = false): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(frame.readUInt16BE(12), 0);
  head.writeUInt32BE(ifindex, 4);
  head.writeUInt16BE(1, 8); // ARPHRD_ETHER
  head[10] = outgoing ? 4 : 0;
  head[11] = 6;
  frame.copy(head, 12, 6, 12);
  return Buffer.concat([head, frame.subarray(14)]);
}

describe('frames and the failover table', () => {
  it('reads the records of tcpdump -i any (LINUX_SLL2) as it reads Ethernet frames, and their interface', () => {
    const frames = [
      probe(3, 77, 123n),
      gratuitousArp('198.18.1.1', '02:00:00:00:00:02'),
      lacpdu('02:00:00:00:00:01', 2, 0x3d),
    ];
    for (const [n, frame] of frames.entries()) {
      const record = sll2(frame, 7 + n, n === 1);
      expect(classify(record, PORT, LINKTYPE_LINUX_SLL2)).toEqual(classify(frame, PORT));
      expect(sll2Ifindex(record)).toBe(7 + n);
    }
    expect(classify(Buffer.alloc(19), PORT, LINKTYPE_LINUX_SLL2)).toEqual({ kind: 'other' });
    expect(sll2Ifindex(Buffer.alloc(19))).toBeUndefined();
    // The sender's MAC comes from the record's address field: an ARP's "from" is the frame's source.
    expect(
      classify(sll2(gratuitousArp('198.18.1.1', '02:00:00:00:00:02'), 3), PORT, LINKTYPE_LINUX_SLL2),
    ).toMatchObject({
      detail: 'reply 198.18.1.1 is-at 02:00:00:00:00:02 from 02:00:00:00:00:02',
    });
  });

  it('tells probes, gratuitous ARPs and LACPDUs apart', () => {
    expect(classify(probe(3, 77, 123n), PORT)).toMatchObject({ kind: 'probe', flow: 3, seq: 77, sentUs: 123 });
    expect(classify(gratuitousArp('198.18.1.1', '02:00:00:00:00:02'), PORT)).toMatchObject({
      kind: 'gratuitous-arp',
      detail: expect.stringContaining('198.18.1.1 is-at 02:00:00:00:00:02'),
    });
    expect(classify(lacpdu('02:00:00:00:00:01', 2, 0x3d), PORT)).toMatchObject({
      kind: 'lacpdu',
      detail: expect.stringContaining('aggregation,sync,collecting,distributing'),
    });
    expect(classify(Buffer.alloc(10), PORT)).toEqual({ kind: 'other' });
    // balance-tlb/alb's learning packet: from the bond's MAC to itself, type 0x9000 (bond_alb.c).
    expect(classify(ethernet('02:00:00:00:00:02', '02:00:00:00:00:02', 0x9000, Buffer.alloc(46)), PORT)).toEqual({
      kind: 'learning-packet',
      detail: 'switch learning for 02:00:00:00:00:02',
    });
  });

  it('finds the gap of the flow that lost packets across the bonded hop, and lists the frames around it', () => {
    // Flow 0 arrives every 10 ms at the far side until 5 ms after the fault, then from 305 ms on another port;
    // flow 1 never stops; the bond-side copies of the packets do not count as arrivals.
    const far0 = [-40, -30, -20, -10, 0].map((ms) => packet(ms, probe(0, ms + 100, 0n)));
    const far1 = [305, 315].map((ms) => packet(ms, probe(0, ms + 100, 0n)));
    const steady = Array.from({ length: 40 }, (_, i) => packet(-40 + i * 10, probe(1, i, 0n)));
    const summary = summarize(
      [
        { where: 'far:p0', side: 'far', packets: [...far0, ...steady] },
        {
          where: 'far:p1',
          side: 'far',
          packets: [...far1, packet(120, gratuitousArp('198.18.1.1', '02:00:00:00:00:02'))],
        },
        { where: 'bond:eth0', side: 'bond', packets: [packet(200, probe(0, 999, 0n))] },
      ],
      'far',
      (ns) => Number(ns - T0) / 1e6,
    );
    expect(summary.gap).toMatchObject({
      lastBefore: { where: 'far:p0', seq: 100, atMs: 0 },
      firstAfter: { where: 'far:p1', seq: 405, atMs: 305 },
      ms: 305,
    });
    expect(summary.control).toEqual([
      { atMs: 120, where: 'far:p1', kind: 'gratuitous-arp', detail: expect.stringContaining('reply') },
    ]);
    expect(summary.controlCounts).toEqual({ 'gratuitous-arp': 1 });
  });
});

describe('the gap delivery resumed after', () => {
  it('is the one the restore ended, not an earlier stall of the sender', () => {
    // Flow 0: every 10 ms on p0, a 400 ms stall, then p0 again until the link goes, then p1 from 750 ms.
    const p0 = [0, 10, 100, 500, 590, 600].map((ms) => packet(ms, probe(0, ms, 0n)));
    const p1 = [750, 760].map((ms) => packet(ms, probe(0, ms, 0n)));
    const kept = [
      { where: 'far:p0', side: 'far' as const, packets: p0 },
      { where: 'far:p1', side: 'far' as const, packets: p1 },
    ];
    const relMs = (ns: bigint) => Number(ns - T0) / 1e6;
    expect(summarize(kept, 'far', relMs).gap).toMatchObject({ ms: 400 });
    expect(summarize(kept, 'far', relMs, 749.5).gap).toMatchObject({
      lastBefore: { where: 'far:p0', atMs: 600 },
      firstAfter: { where: 'far:p1', atMs: 750 },
      ms: 150,
    });
    // A restore beyond what was kept: the longest gap after the fault.
    expect(summarize(kept, 'far', relMs, 5000).gap).toMatchObject({ ms: 400 });
  });
});

describe('the capture table in report.html', () => {
  it('links every file under its window and orders the rows by time around the fault', () => {
    const run = reviveNanos(
      JSON.parse(readFileSync(join(process.cwd(), 'fixtures', 'matrix', 'bookworm-6.1-tcg.results.json'), 'utf8')),
    ) as RunResult;
    const base = run.cases[1];
    if (!base) throw new Error('fixture has no second case');
    const c = {
      ...base,
      captures: [
        {
          fault: 'carrier-off p0',
          faultNs: 1n,
          window: 3,
          fromMs: -500,
          toMs: 640,
          files: [
            {
              side: 'bond' as const,
              iface: 'eth0',
              path: 'captures/1-x/w3-f0-bond-eth0.pcapng',
              packets: 12,
              bytes: 2048,
              truncated: false,
            },
          ],
          gap: {
            lastBefore: { atMs: 2.5, where: 'far:p0', flow: 0, seq: 10 },
            firstAfter: { atMs: 140.25, where: 'far:p1', flow: 0, seq: 38 },
            ms: 137.75,
          },
          control: [
            {
              atMs: 120,
              where: 'bond:eth1',
              kind: 'gratuitous-arp' as const,
              detail: 'reply 198.18.1.1 is-at 02:00:00:00:00:02 from 02:00:00:00:00:02',
            },
          ],
          controlCounts: { 'gratuitous-arp': 1 },
          clock: 'probe packets' as const,
        },
      ],
    };
    expect(captureSection(c, 0, 1)).toBe('');
    const html = captureSection(c, 3, 1);
    expect(html).toContain(
      '<a href="captures/1-x/w3-f0-bond-eth0.pcapng" download>bond:eth0</a> (12 packets, 2.0 KiB)',
    );
    const order = [
      'fault issued',
      'last probe before the gap',
      '<td>gratuitous-arp</td>',
      'first probe after (gap 137.8 ms)',
    ].map((text) => html.indexOf(text));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const markdown = captureMarkdown({ ...run, cases: [c] }).join('\n');
    expect(markdown).toContain('### Packet captures of each failover');
    expect(markdown).toContain('[bond:eth0](captures/1-x/w3-f0-bond-eth0.pcapng) (12 packets, 2.0 KiB)');
    const rows = markdown.split('\n').filter((line) => /^\| [+-]\d/.test(line));
    expect(rows).toEqual([
      '| +0.0 ms |  | fault issued | carrier-off p0 |',
      '| +2.5 ms | far:p0 | last probe before the gap | flow 0, seq 10 |',
      '| +120.0 ms | bond:eth1 | gratuitous-arp | reply 198.18.1.1 is-at 02:00:00:00:00:02 from 02:00:00:00:00:02 |',
      '| +140.3 ms | far:p1 | first probe after (gap 137.8 ms) | flow 0, seq 38 |',
    ]);
    expect(captureMarkdown(run)).toEqual([]);
  });
});
