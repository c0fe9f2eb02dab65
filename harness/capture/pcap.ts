/**
 * Just enough of the capture file formats: read the classic pcap files tcpdump writes (either byte
 * order, micro- or nanosecond timestamps), keep a time interval of their packets, and write that as
 * pcapng (one section, one interface with nanosecond timestamps, enhanced packet blocks), which
 * Wireshark and tcpdump read. Formats: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
 * and draft-ietf-opsawg-pcapng.
 */

export interface CapturedPacket {
  /** Capture time, nanoseconds since the epoch on the capturing machine's clock. */
  tsNs: bigint;
  /** The bytes captured (at most the snap length). */
  data: Buffer;
  /** The packet's length on the wire. */
  origLen: number;
}

export interface PcapFile {
  linkType: number;
  snapLen: number;
  packets: CapturedPacket[];
}

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

/** A classic pcap file's packets; a last record cut off (tcpdump stopped mid-write) is left out. */
export function readPcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw new Error(`not a pcap file: ${buf.length} bytes, shorter than its header`);
  const magicLE = buf.readUInt32LE(0);
  const magicBE = buf.readUInt32BE(0);
  const little = magicLE === MAGIC_MICRO || magicLE === MAGIC_NANO;
  if (!little && magicBE !== MAGIC_MICRO && magicBE !== MAGIC_NANO)
    throw new Error(`not a pcap file: magic 0x${magicBE.toString(16)}`);
  const u32 = (at: number) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const nano = (little ? magicLE : magicBE) === MAGIC_NANO;
  const snapLen = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const packets: CapturedPacket[] = [];
  for (let at = 24; at + 16 <= buf.length;) {
    const seconds = BigInt(u32(at));
    const fraction = BigInt(u32(at + 4));
    const capLen = u32(at + 8);
    const origLen = u32(at + 12);
    if (at + 16 + capLen > buf.length) break;
    packets.push({
      tsNs: seconds * 1_000_000_000n + (nano ? fraction : fraction * 1000n),
      data: buf.subarray(at + 16, at + 16 + capLen),
      origLen,
    });
    at += 16 + capLen;
  }
  return { linkType, snapLen, packets };
}

/** The packets captured in [fromNs, toNs], at most `limit` of them (the earliest). */
export function trim(
  packets: CapturedPacket[],
  fromNs: bigint,
  toNs: bigint,
  limit: number,
): { packets: CapturedPacket[]; truncated: boolean } {
  const inside = packets.filter((p) => p.tsNs >= fromNs && p.tsNs <= toNs);
  return { packets: inside.slice(0, limit), truncated: inside.length > limit };
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function option(code: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + value.length + pad4(value.length));
  out.writeUInt16LE(code, 0);
  out.writeUInt16LE(value.length, 2);
  value.copy(out, 4);
  return out;
}

const END_OF_OPTIONS = Buffer.alloc(4);

/** A pcapng file (little-endian) of one interface: its packets with nanosecond timestamps. */
export function writePcapng(
  packets: CapturedPacket[],
  linkType: number,
  snapLen: number,
  ifName: string,
  comment?: string,
): Buffer {
  const shbBody = Buffer.alloc(16);
  shbBody.writeUInt32LE(0x1a2b3c4d, 0);
  shbBody.writeUInt16LE(1, 4);
  shbBody.writeUInt16LE(0, 6);
  // Section length unknown (-1), as the format allows.
  shbBody.writeBigInt64LE(-1n, 8);
  const shbOptions = comment
    ? Buffer.concat([option(1, Buffer.from(comment, 'utf8')), END_OF_OPTIONS])
    : Buffer.alloc(0);
  const shb = block(0x0a0d0d0a, Buffer.concat([shbBody, shbOptions]));
  const idbBody = Buffer.alloc(8);
  idbBody.writeUInt16LE(linkType, 0);
  idbBody.writeUInt32LE(snapLen, 4);
  // if_name (2) and if_tsresol (9): 10^-9 s.
  const idb = block(
    0x00000001,
    Buffer.concat([idbBody, option(2, Buffer.from(ifName, 'utf8')), option(9, Buffer.from([9])), END_OF_OPTIONS]),
  );
  const epbs = packets.map((p) => {
    // No more than the snap length the interface block declares, whatever the capture held.
    const data = p.data.subarray(0, snapLen);
    const head = Buffer.alloc(20);
    head.writeUInt32LE(0, 0);
    head.writeUInt32LE(Number(p.tsNs >> 32n), 4);
    head.writeUInt32LE(Number(p.tsNs & 0xffffffffn), 8);
    head.writeUInt32LE(data.length, 12);
    head.writeUInt32LE(p.origLen, 16);
    return block(0x00000006, Buffer.concat([head, data, Buffer.alloc(pad4(data.length))]));
  });
  return Buffer.concat([shb, idb, ...epbs]);
}
