#!/usr/bin/env node
/**
 * The traffic probe, run inside the target's namespaces. Only Node's own modules, so it starts
 * fast in a VM. Times are CLOCK_MONOTONIC in microseconds: the same clock as faults and samples.
 *
 *   node probe.js recv --port 47000
 *       prints "ready", then on SIGTERM one JSON line: {"arrivals":[[flow,seq,receivedUs,sentUs],...]}
 *   node probe.js send --flows '[{"id":0,"dst":"198.18.1.10","port":47000,"src":40000}]' --rate 1000 --size 64
 *       sends every flow at --rate packets/s until SIGTERM, then prints {"sent":[n0,n1,...],"firstUs":..,"lastUs":..}
 *
 * A packet: magic "BL" (2 bytes), flow (2), sequence (4), send time in us (8), padding to --size.
 */
import { createSocket, type Socket } from 'node:dgram';

export const PROBE_MAGIC = 0x424c;
export const HEADER_BYTES = 16;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function arg(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

function receive(): void {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const arrivals: number[] = [];
  socket.on('message', (message) => {
    if (message.length < HEADER_BYTES || message.readUInt16BE(0) !== PROBE_MAGIC) return;
    arrivals.push(message.readUInt16BE(2), message.readUInt32BE(4), nowUs(), Number(message.readBigUInt64BE(8)));
  });
  socket.bind(Number(arg('port')), () => process.stdout.write('ready\n'));
  process.on('SIGTERM', () => {
    const rows: string[] = [];
    for (let i = 0; i < arrivals.length; i += 4) rows.push(`[${arrivals[i]},${arrivals[i + 1]},${arrivals[i + 2]},${arrivals[i + 3]}]`);
    process.stdout.write(`{"arrivals":[${rows.join(',')}]}\n`, () => process.exit(0));
  });
}

interface FlowSpec {
  id: number;
  dst: string;
  port: number;
  src: number;
}

function send(): void {
  const flows = JSON.parse(arg('flows')) as FlowSpec[];
  const rate = Number(arg('rate', '1000'));
  const size = Math.max(HEADER_BYTES, Number(arg('size', '64')));
  const sockets: Socket[] = flows.map((flow) => {
    const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
    socket.bind(flow.src);
    // A lost route during a fault must not stop the probe: the loss is what it measures.
    socket.on('error', () => undefined);
    return socket;
  });
  const sent = flows.map(() => 0);
  const packet = Buffer.alloc(size);
  packet.writeUInt16BE(PROBE_MAGIC, 0);
  const startUs = nowUs();
  let firstUs = 0;
  let lastUs = 0;
  // A token bucket on a 1 ms tick: timers cannot fire 10,000 times a second, batches can.
  const tick = setInterval(() => {
    const due = Math.floor(((nowUs() - startUs) * rate) / 1e6);
    for (const [index, flow] of flows.entries()) {
      const socket = sockets[index];
      while (socket && (sent[index] ?? 0) < due) {
        const seq = sent[index] ?? 0;
        const at = nowUs();
        packet.writeUInt16BE(flow.id, 2);
        packet.writeUInt32BE(seq, 4);
        packet.writeBigUInt64BE(BigInt(at), 8);
        socket.send(Buffer.from(packet), flow.port, flow.dst);
        sent[index] = seq + 1;
        firstUs ||= at;
        lastUs = at;
      }
    }
  }, 1);
  process.on('SIGTERM', () => {
    clearInterval(tick);
    process.stdout.write(`${JSON.stringify({ sent, firstUs, lastUs })}\n`, () => process.exit(0));
  });
  process.stdout.write('ready\n');
}

const mode = process.argv[2];
if (mode === 'recv') receive();
else if (mode === 'send') send();
else {
  process.stderr.write('usage: probe.js recv --port N | send --flows JSON --rate PPS [--size BYTES]\n');
  process.exit(2);
}
