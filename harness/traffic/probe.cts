#!/usr/bin/env node
/**
 * The traffic probe, run inside the target's namespaces: one long-lived process per namespace and
 * case, driven by JSON lines on stdin, because under emulation starting Node costs about a
 * second and a case measures several traffic windows. Only Node's own modules. Times are
 * CLOCK_MONOTONIC in microseconds: the same clock as faults and samples. A CommonJS module (.cts):
 * Node's ES module loader made each start cost about 0.3 s more CPU in a TCG guest.
 *
 *   node probe.cjs serve       prints "ready", then answers each command with one JSON line:
 *   {"op":"recv","port":47000}                       -> {"ok":true}  (receive from now on)
 *   {"op":"send","flows":[{"id":0,"dst":"198.18.1.10","port":47000,"src":40000}],"rate":1000,"size":64}
 *                                                    -> {"ok":true}  (send every flow at rate packets/s)
 *   {"op":"stop"}                                    -> {"sent":[n0,...],"notSent":[n0,...],"dropped":[n0,...],"firstUs":..,"lastUs":..,"stalls":[[fromUs,toUs],...]}
 *   {"op":"report"}                                  -> {"arrivals":[[flow,seq,receivedUs,sentUs],...],"rcvbufErrors":n} and forget them
 *
 * A sender that did not run (its timer fired late: the CPU went elsewhere) records the stall and
 * does not send what fell due meanwhile in one burst: those packets are "not sent", so that every
 * packet's send time is when the bond really had it, and a burst cannot overflow a queue.
 *
 * A packet: magic "BL" (2 bytes), flow (2), sequence (4), send time in us (8), padding to size.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const PROBE_MAGIC = 0x424c;
export const HEADER_BYTES = 16;

// performance.now() reads the same monotonic clock as process.hrtime, without a BigInt per call:
// under emulation every allocation in the send loop costs.
const clockOriginUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
const nowUs = () => Math.round(clockOriginUs + performance.now() * 1000);

/** A timer tick later than this is a stall of the probe process. */
const STALL_US = 20_000;

/**
 * UDP datagrams this namespace's sockets dropped because a receive buffer was full (the probe is
 * the namespace's only UDP receiver while it measures). /proc/net/snmp is per network namespace.
 */
function rcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Udp:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0) || 0;
  } catch {
    return 0;
  }
}

class Receiver {
  private arrivals: number[] = [];

  constructor(port: number, ready: () => void) {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.on('message', (message) => {
      if (message.length < HEADER_BYTES || message.readUInt16BE(0) !== PROBE_MAGIC) return;
      this.arrivals.push(
        message.readUInt16BE(2),
        message.readUInt32BE(4),
        nowUs(),
        message.readUInt32BE(8) * 2 ** 32 + message.readUInt32BE(12),
      );
    });
    socket.bind(port, ready);
  }

  /** Everything received since the last report. */
  report(): string {
    const rows: string[] = [];
    for (let i = 0; i < this.arrivals.length; i += 4)
      rows.push(`[${this.arrivals[i]},${this.arrivals[i + 1]},${this.arrivals[i + 2]},${this.arrivals[i + 3]}]`);
    this.arrivals = [];
    return `{"arrivals":[${rows.join(',')}],"rcvbufErrors":${rcvbufErrors()}}`;
  }
}

interface FlowSpec {
  id: number;
  dst: string;
  port: number;
  src: number;
}

class Sender {
  private readonly sockets: Socket[];
  private readonly sent: number[];
  /** Packets that fell due while the sender stalled and were skipped, per flow. */
  private readonly notSent: number[];
  /** Sends the local stack refused for want of buffer space (the harness's loss, not the bond's), per flow. */
  private readonly dropped: number[];
  private readonly stalls: [number, number][] = [];
  private readonly tick: NodeJS.Timeout;
  private firstUs = 0;
  private lastUs = 0;

  constructor(flows: FlowSpec[], rate: number, size: number) {
    this.sockets = flows.map((flow) => {
      // Destinations are addresses: looking each send up (dns.lookup, then a tick) is skipped.
      // reuseAddr: the previous window's sender, closing, may still hold this flow's source port.
      const socket = createSocket({
        type: 'udp4',
        reuseAddr: true,
        sendBufferSize: 4 * 1024 * 1024,
        lookup: (address, _options, found) => found(null, address, 4),
      });
      // A lost route during a fault must not stop the probe: the loss is what it measures. Attached
      // before bind, whose errors arrive at once now that the lookup is synchronous.
      socket.on('error', () => undefined);
      socket.bind(flow.src);
      return socket;
    });
    this.sent = flows.map(() => 0);
    this.notSent = flows.map(() => 0);
    this.dropped = flows.map(() => 0);
    const sentBack = flows.map((_, index) => (error: NodeJS.ErrnoException | null) => {
      const code = error?.code;
      if (code === 'ENOBUFS' || code === 'EAGAIN') this.dropped[index] = (this.dropped[index] ?? 0) + 1;
    });
    const packet = Buffer.alloc(Math.max(HEADER_BYTES, size));
    packet.writeUInt16BE(PROBE_MAGIC, 0);
    // Under emulation a timer wake-up costs far more than a send: a 1 ms tick for 8 flows of 100
    // packets/s spent most of the guest's CPU waking up for nothing. Wake once per send interval
    // (all flows send in step), at most every 2 ms (faster rates send in batches) and at least
    // every 10 ms, so that a stall is still told from the tick.
    const tickMs = Math.min(10, Math.max(2, Math.floor(1000 / rate)));
    const startUs = nowUs();
    let previousTickUs = startUs;
    // What falls due in one tick plus the stall threshold is caught up; beyond that the sender stalled.
    const catchUp = Math.max(1, Math.ceil((rate * (tickMs * 1000 + STALL_US)) / 1e6));
    this.tick = setInterval(() => {
      const tickUs = nowUs();
      if (tickUs - previousTickUs > tickMs * 1000 + STALL_US) this.stalls.push([previousTickUs, tickUs]);
      previousTickUs = tickUs;
      const due = Math.floor(((tickUs - startUs) * rate) / 1e6);
      for (let index = 0; index < flows.length; index++) {
        const flow = flows[index];
        const socket = this.sockets[index];
        const backlog = due - (this.sent[index] ?? 0) - (this.notSent[index] ?? 0);
        if (backlog > catchUp) this.notSent[index] = (this.notSent[index] ?? 0) + backlog - catchUp;
        while (flow && socket && (this.sent[index] ?? 0) + (this.notSent[index] ?? 0) < due) {
          const seq = this.sent[index] ?? 0;
          const at = nowUs();
          packet.writeUInt16BE(flow.id, 2);
          packet.writeUInt32BE(seq, 4);
          packet.writeUInt32BE(Math.floor(at / 2 ** 32), 8);
          packet.writeUInt32BE(at >>> 0, 12);
          socket.send(Buffer.from(packet), flow.port, flow.dst, sentBack[index]);
          this.sent[index] = seq + 1;
          this.firstUs ||= at;
          this.lastUs = at;
        }
      }
    }, tickMs);
  }

  stop(): string {
    clearInterval(this.tick);
    for (const socket of this.sockets) socket.close();
    return JSON.stringify({
      sent: this.sent,
      notSent: this.notSent,
      dropped: this.dropped,
      firstUs: this.firstUs,
      lastUs: this.lastUs,
      stalls: this.stalls,
    });
  }
}

type Command =
  | { op: 'recv'; port: number }
  | { op: 'send'; flows: FlowSpec[]; rate: number; size?: number }
  | { op: 'stop' }
  | { op: 'report' };

function serve(): void {
  let receiver: Receiver | undefined;
  let sender: Sender | undefined;
  const reply = (line: string) => process.stdout.write(`${line}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = JSON.parse(line) as Command;
    switch (command.op) {
      case 'recv':
        if (receiver) return reply('{"ok":true}');
        receiver = new Receiver(command.port, () => reply('{"ok":true}'));
        return;
      case 'send':
        sender?.stop();
        sender = new Sender(command.flows, command.rate, command.size ?? 64);
        return reply('{"ok":true}');
      case 'stop':
        reply(sender?.stop() ?? '{"sent":[],"notSent":[],"dropped":[],"firstUs":0,"lastUs":0,"stalls":[]}');
        sender = undefined;
        return;
      case 'report':
        return reply(receiver?.report() ?? `{"arrivals":[],"rcvbufErrors":${rcvbufErrors()}}`);
    }
  });
  // The harness closing stdin (or dying) ends the probe.
  lines.on('close', () => process.exit(0));
  reply('ready');
}

if (process.argv[2] === 'serve') serve();
else {
  process.stderr.write('usage: probe.cjs serve   (then JSON commands on stdin, see the source)\n');
  process.exit(2);
}
