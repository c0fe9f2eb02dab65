/**
 * Packet captures of each failover (`bondlab run --capture`): tcpdump on every bond slave and on
 * every far-side port, inside the target's namespaces, for each traffic window that has a fault in
 * it; ring-buffered on the target, then trimmed to the packets from shortly before each fault to
 * shortly after delivery resumed, and kept as pcapng files in the run directory with a compact
 * table: the last probe before the gap, the ARPs and LACPDUs around the failover, the first after.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FailoverTiming } from '../check/failover.js';
import type { Step } from '../scenario/plan.js';
import { run, type SpawnedProcess, type Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';
import { PROBE_PORT } from '../traffic/engine.js';
import type { TrafficWindow } from '../traffic/window.js';
import { classify, LINKTYPE_LINUX_SLL2, sll2Ifindex } from './frames.js';
import { readPcap, trim, writePcapng, type CapturedPacket } from './pcap.js';

/** The bounds, documented in the README: what one fault's capture can cost at most. */
export const CAPTURE_LIMITS = {
  /** Bytes of each packet kept: headers, the probe's sequence header, a whole LACPDU. */
  snapLen: 160,
  /** tcpdump's ring on the target, per interface and window: files of this many MB (10^6 bytes)... */
  ringFileMb: 2,
  /** ...and this many of them; older packets are overwritten. */
  ringFiles: 4,
  /** Kept before the fault was issued. */
  beforeMs: 500,
  /** Kept after delivery resumed (or after the fault, when it never stopped). */
  afterMs: 500,
  /** The longest stretch kept for one fault, whatever the outage. */
  maxSpanMs: 10_000,
  /** Packets kept per interface and fault (the earliest). */
  maxPackets: 20_000,
} as const;

/**
 * The most one kept file can hold: per packet an enhanced packet block of 32 bytes around at most
 * snapLen bytes, plus the section and interface headers (names and comment cut to fit 1 KiB).
 */
export const MAX_FILE_BYTES = CAPTURE_LIMITS.maxPackets * (32 + CAPTURE_LIMITS.snapLen) + 1024;

/** At most this many control frames are listed per fault in the table (all stay in the files). */
const MAX_CONTROL_ROWS = 40;

export interface CaptureFile {
  /** `bond` (a slave of the bond under test) or `far` (the far side's port facing it). */
  side: 'bond' | 'far';
  iface: string;
  /** Relative to the run directory. */
  path: string;
  packets: number;
  bytes: number;
  /** More packets fell in the interval than CAPTURE_LIMITS.maxPackets. */
  truncated: boolean;
}

export interface ProbeSighting {
  /** Milliseconds after the fault was issued, on the target's monotonic clock. */
  atMs: number;
  where: string;
  flow: number;
  seq: number;
}

export interface ControlFrame {
  atMs: number;
  where: string;
  kind: 'gratuitous-arp' | 'arp' | 'lacpdu' | 'neighbour-advert' | 'learning-packet';
  detail: string;
}

export interface FaultCapture {
  fault: string;
  faultNs: bigint;
  /** Which traffic window of the case (0-based). */
  window: number;
  /** The interval kept, ms relative to the fault's issue. */
  fromMs: number;
  toMs: number;
  files: CaptureFile[];
  /**
   * The gap between arrivals across the bonded hop that delivery's restore ended (the longest of the
   * flows' gaps ending at their first arrival from then on), else the longest ending after the fault.
   */
  gap?: { lastBefore: ProbeSighting; firstAfter: ProbeSighting; ms: number };
  /** When the first packet after the outage was sent, ms after the fault (the traffic window's measure). */
  restoredMs?: number;
  control: ControlFrame[];
  /** Control frames by kind, including those beyond the listed ones. */
  controlCounts: Partial<Record<ControlFrame['kind'], number>>;
  /** How capture times (the target's wall clock) were put on its monotonic clock. */
  clock: 'probe packets' | 'clock reading';
}

/** One listener's packets, read back from its ring files. */
interface Captured {
  side: 'bond' | 'far';
  iface: string;
  linkType: number;
  packets: CapturedPacket[];
}

/** One tcpdump, on the interfaces of one namespace (`-i any`, one filter for their indexes). */
interface Listener {
  netns: string;
  /** Its file names on the target start with this. */
  file: string;
  points: { side: 'bond' | 'far'; iface: string }[];
  process: SpawnedProcess;
  /** Interface index -> name in its namespace, as its start script printed them. */
  ifindex: Map<number, string>;
}

/**
 * `sh -c` this with the output file and the interfaces as arguments, in their namespace: it prints
 * each interface's index, then captures on exactly those. One tcpdump per namespace (`-i any`,
 * LINUX_SLL2 records naming the interface) rather than one per interface halves what a TCG guest
 * spends starting them.
 */
function listenScript(): string {
  const { snapLen, ringFileMb, ringFiles } = CAPTURE_LIMITS;
  return [
    'out=$1; shift; f=',
    'for i in "$@"; do',
    '  read -r x < "/sys/class/net/$i/ifindex" || exit 1',
    '  echo "bondlab-ifindex $x $i" >&2',
    '  f="$f${f:+ or }ifindex $x"',
    'done',
    // -C/-W: the ring holds ringFileMb x ringFiles per interface, whatever their number.
    `exec tcpdump -i any -n -Z root -s ${snapLen} --time-stamp-precision=nano -C $((${ringFileMb} * $#)) -W ${ringFiles} -w "$out" "$f"`,
  ].join('\n');
}

/** `mode-matrix[mode=802.3ad]` -> `mode-matrix_mode=802.3ad_`: a file name that stays in its directory. */
function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._=-]/g, '_').slice(0, 120);
}

/** Whether a fault step comes after step `from` and before the traffic stops. */
export function faultInWindow(steps: Step[], from: number): boolean {
  for (const step of steps.slice(from + 1)) {
    if (step.kind === 'traffic' && step.traffic.action === 'stop') return false;
    if (step.kind === 'fault') return true;
  }
  return false;
}

/** tcpdump's "listening on" line, with what was written to stderr up to it. */
function waitListening(process: SpawnedProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(
      () => reject(new Error(`tcpdump did not start listening within ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    process.onStderr((chunk) => {
      stderr += chunk;
      if (/listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve(stderr);
      }
    });
    void process.exited.then((result) => {
      clearTimeout(timer);
      reject(
        new Error(
          `tcpdump exited before listening (${result.exitCode ?? result.signal}): ${(stderr || result.stderr).trim()}`,
        ),
      );
    });
  });
}

/** --capture refused on a target without tcpdump, with what to do about it. */
export async function requireTcpdump(target: Target): Promise<void> {
  const has = await target.exec(['sh', '-c', 'command -v tcpdump']);
  if (has.exitCode !== 0)
    throw new Error(
      `--capture needs tcpdump on ${target.description} (${target.kind === 'container' ? 'images before bondlab-target:bookworm-2 lack it: bondlab image build' : 'Debian: apt-get install tcpdump'})`,
    );
}

export class FailoverCapture {
  private listeners: Listener[] = [];
  /** The listeners the traffic stop interrupted, until their files are read. */
  private halted: Listener[] = [];
  /** Their packets, fetched while the traffic window is analysed (see `halt`). */
  private collected: Promise<Captured[]> | undefined;
  /** A window's listeners starting in the background (see `begin`). */
  private starting: Promise<void> | undefined;
  /** The traffic start step whose window `begin` last started. */
  private begun: number | undefined;
  private dir: string | undefined;
  private windows = 0;
  private checked = false;

  /**
   * @param runDir the run's directory on this machine; files go to `captures/` in it
   * @param caseKey unique within the run (case position and name)
   */
  constructor(
    private readonly target: Target,
    private readonly steps: Step[],
    private readonly runDir: string,
    private readonly caseKey: string,
  ) {}

  /**
   * For the traffic window that step `index` starts: start listening in the background, so that
   * tcpdump's start (seconds of guest CPU under TCG for four of them) overlaps the steps before the
   * fault instead of adding to them; the fault step awaits `listening()`. Called while the new bond
   * settles for the first window (the guest mostly waits then), and again, to no effect, at its start.
   */
  begin(topology: Topology, index: number): void {
    if (this.begun === index) return;
    this.begun = index;
    const starting = this.start(topology, index);
    // Awaited by listening(); until then a failed start must not count as an unhandled rejection.
    starting.catch(() => undefined);
    this.starting = starting;
  }

  /** Before a fault: every listener of this window is capturing (or the reason it is not). */
  async listening(): Promise<void> {
    await this.starting;
  }

  /** Listen on every slave and far-side port if a fault follows step `index`. */
  private async start(topology: Topology, index: number): Promise<void> {
    this.windows++;
    if (!faultInWindow(this.steps, index)) return;
    if (!this.checked) {
      await requireTcpdump(this.target);
      this.checked = true;
    }
    this.dir ??= (await run(this.target, ['mktemp', '-d', `/tmp/bondlab-capture-${process.pid}-XXXXXX`])).stdout.trim();
    const dir = this.dir;
    const points = [
      ...topology.dut.slaves.map((iface) => ({ side: 'bond' as const, iface, netns: topology.dut.netns })),
      ...topology.far.ports.map((iface) => ({ side: 'far' as const, iface, netns: topology.far.netns })),
    ];
    const byNetns = new Map<string, { side: 'bond' | 'far'; iface: string }[]>();
    for (const { netns, ...point } of points) byNetns.set(netns, [...(byNetns.get(netns) ?? []), point]);
    // Each listens for tcpdump's "listening on" from the moment it is spawned: output before that is not replayed.
    const started = await Promise.allSettled(
      [...byNetns].map(async ([netns, group], n) => {
        const file = `l${n}.pcap`;
        const argv = ['sh', '-c', listenScript(), 'sh', `${dir}/${file}`, ...group.map((p) => p.iface)];
        const process = await this.target.spawn(argv, { netns });
        const listener: Listener = { netns, file, points: group, process, ifindex: new Map() };
        this.listeners.push(listener);
        // Minutes are possible: a TCG guest on a loaded machine loads tcpdump and its libraries over 9p.
        const stderr = await waitListening(process, 90_000);
        for (const [, index, iface] of stderr.matchAll(/^bondlab-ifindex (\d+) (\S+)$/gm))
          listener.ifindex.set(Number(index), iface ?? '');
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await this.abort();
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
  }

  /**
   * At the traffic stop, alongside the probe's drain and analysis: stop listening (tcpdump writes
   * out what it holds on SIGINT) and fetch the ring files; `stop` then keeps each fault's stretch.
   */
  halt(): void {
    const collected = this.collect();
    // Awaited by stop() or abort(); until then a failure must not count as an unhandled rejection.
    collected.catch(() => undefined);
    this.collected = collected;
  }

  private async collect(): Promise<Captured[]> {
    await this.starting?.catch(() => undefined);
    this.starting = undefined;
    const listeners = this.listeners;
    this.listeners = [];
    this.halted = listeners;
    if (!listeners.length || !this.dir) return [];
    await Promise.all(listeners.map((l) => l.process.kill('SIGINT').catch(() => undefined)));
    await Promise.all(listeners.map((l) => Promise.race([l.process.exited, new Promise((r) => setTimeout(r, 5000))])));
    const names = (await run(this.target, ['ls', '-1', this.dir])).stdout.split('\n').filter(Boolean);
    const captured = await Promise.all(
      listeners.map(async (l) => {
        const files = names.filter((n) => n.startsWith(l.file));
        const read = await Promise.all(
          files.map(async (n) => readPcap(await this.target.readFile(`${this.dir}/${n}`))),
        );
        const linkType = read[0]?.linkType ?? LINKTYPE_LINUX_SLL2;
        const packets = read.flatMap((f) => f.packets).sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
        return l.points.map((point) => ({
          ...point,
          linkType,
          packets: packets.filter((p) => l.ifindex.get(sll2Ifindex(p.data) ?? -1) === point.iface),
        }));
      }),
    );
    this.halted = [];
    await run(this.target, ['sh', '-c', `rm -f ${this.dir}/*.pcap*`]);
    return captured.flat();
  }

  /** After `halt`: keep each fault's stretch as pcapng, and tabulate it. */
  async stop(window: TrafficWindow, timings: FailoverTiming[]): Promise<FaultCapture[]> {
    const captured = await (this.collected ?? this.collect());
    this.collected = undefined;
    if (!captured.length) return [];
    const { offsetNs, clock } = await this.clockOffset(captured);
    const windowIndex = this.windows - 1;
    const out: FaultCapture[] = [];
    for (const [n, timing] of timings.entries()) {
      const restoredMs = timing.deliveryRestoredMs ?? 0;
      const fromNs = timing.faultNs - BigInt(CAPTURE_LIMITS.beforeMs * 1e6);
      const spanEnd =
        timing.faultNs +
        BigInt(Math.round(Math.min(restoredMs + CAPTURE_LIMITS.afterMs, CAPTURE_LIMITS.maxSpanMs) * 1e6));
      const toNs = spanEnd < window.endNs ? spanEnd : window.endNs;
      const relMs = (wallNs: bigint) => Number(wallNs - offsetNs - timing.faultNs) / 1e6;
      const dirRel = join('captures', slug(this.caseKey));
      await mkdir(join(this.runDir, dirRel), { recursive: true });
      const files: CaptureFile[] = [];
      const kept: KeptPackets[] = [];
      for (const c of captured) {
        const { packets, truncated, bytes } = keepInterval(
          c.packets,
          c.linkType,
          fromNs + offsetNs,
          toNs + offsetNs,
          `${c.side}:${c.iface}`,
          `bondlab ${this.caseKey}: ${timing.fault}, from ${CAPTURE_LIMITS.beforeMs} ms before the fault to ${CAPTURE_LIMITS.afterMs} ms after delivery resumed`,
        );
        const path = join(dirRel, `w${windowIndex}-f${n}-${c.side}-${c.iface}.pcapng`);
        await writeFile(join(this.runDir, path), bytes, { mode: 0o644 });
        files.push({ side: c.side, iface: c.iface, path, packets: packets.length, bytes: bytes.length, truncated });
        kept.push({ where: `${c.side}:${c.iface}`, side: c.side, linkType: c.linkType, packets });
      }
      out.push({
        fault: timing.fault,
        faultNs: timing.faultNs,
        window: windowIndex,
        fromMs: -CAPTURE_LIMITS.beforeMs,
        toMs: Number(toNs - timing.faultNs) / 1e6,
        files,
        ...(timing.deliveryRestoredMs !== undefined ? { restoredMs: timing.deliveryRestoredMs } : {}),
        ...summarize(
          kept,
          window.settings.direction === 'to-clients' ? 'far' : 'bond',
          relMs,
          timing.deliveryRestoredMs,
        ),
        clock,
      });
    }
    return out;
  }

  /**
   * Capture times are the target's wall clock; faults are on its monotonic clock. The probe packets
   * carry their send time on the monotonic clock, so the smallest (capture - send) is the offset
   * plus the least time a packet took to reach the capture point (microseconds).
   */
  private async clockOffset(captured: Captured[]): Promise<{ offsetNs: bigint; clock: FaultCapture['clock'] }> {
    let best: bigint | undefined;
    for (const c of captured) {
      for (const p of c.packets) {
        const frame = classify(p.data, PROBE_PORT, c.linkType);
        if (frame.kind !== 'probe') continue;
        const offset = p.tsNs - BigInt(frame.sentUs) * 1000n;
        if (best === undefined || offset < best) best = offset;
      }
    }
    if (best !== undefined) return { offsetNs: best, clock: 'probe packets' };
    const before = await this.target.clockNs();
    const wall = BigInt((await run(this.target, ['date', '+%s%N'])).stdout.trim());
    const after = await this.target.clockNs();
    return { offsetNs: wall - (before + after) / 2n, clock: 'clock reading' };
  }

  /** Stop listening and remove the target's files (teardown, and a failed start). */
  async abort(): Promise<void> {
    // A start still under way would add listeners after this, a collect would read removed files.
    await this.starting?.catch(() => undefined);
    await this.collected?.catch(() => undefined);
    this.starting = undefined;
    this.collected = undefined;
    const listeners = [...this.listeners, ...this.halted];
    this.listeners = [];
    this.halted = [];
    await Promise.all(listeners.map((l) => l.process.kill('SIGKILL').catch(() => undefined)));
    if (this.dir) await this.target.exec(['rm', '-rf', this.dir]).catch(() => undefined);
    this.dir = undefined;
  }
}

/** One interface's packets in [fromNs, toNs] as pcapng, never more than MAX_FILE_BYTES. */
export function keepInterval(
  captured: CapturedPacket[],
  linkType: number,
  fromNs: bigint,
  toNs: bigint,
  ifName: string,
  comment: string,
): { packets: CapturedPacket[]; truncated: boolean; bytes: Buffer } {
  const { packets, truncated } = trim(captured, fromNs, toNs, CAPTURE_LIMITS.maxPackets);
  // 200 UTF-16 units are at most 600 bytes of UTF-8: the headers stay within their 1 KiB.
  const bytes = writePcapng(packets, linkType, CAPTURE_LIMITS.snapLen, ifName.slice(0, 64), comment.slice(0, 200));
  return { packets, truncated, bytes };
}

/** One interface's packets of a fault's stretch; `linkType` defaults to Ethernet. */
export interface KeptPackets {
  where: string;
  side: 'bond' | 'far';
  linkType?: number;
  packets: CapturedPacket[];
}

/** The table of one fault: the flow's gap across the bonded hop, and the control frames around it. */
export function summarize(
  kept: KeptPackets[],
  receivingSide: 'bond' | 'far',
  relMs: (wallNs: bigint) => number,
  restoredMs?: number,
): Pick<FaultCapture, 'gap' | 'control' | 'controlCounts'> {
  const arrivals = new Map<number, ProbeSighting[]>();
  const control: ControlFrame[] = [];
  const controlCounts: FaultCapture['controlCounts'] = {};
  for (const { where, side, linkType, packets } of kept) {
    for (const p of packets) {
      const frame = classify(p.data, PROBE_PORT, linkType);
      if (frame.kind === 'probe') {
        if (side !== receivingSide) continue;
        const list = arrivals.get(frame.flow) ?? [];
        list.push({ atMs: relMs(p.tsNs), where, flow: frame.flow, seq: frame.seq });
        arrivals.set(frame.flow, list);
      } else if (frame.kind !== 'other') {
        controlCounts[frame.kind] = (controlCounts[frame.kind] ?? 0) + 1;
        control.push({ atMs: relMs(p.tsNs), where, kind: frame.kind, detail: frame.detail });
      }
    }
  }
  for (const list of arrivals.values()) list.sort((a, b) => a.atMs - b.atMs);
  const flows = [...arrivals.values()];
  const gap = (restoredMs !== undefined ? longestGap(flows, restoredMs) : undefined) ?? longestGap(flows);
  control.sort((a, b) => a.atMs - b.atMs);
  return { gap, control: control.slice(0, MAX_CONTROL_ROWS), controlCounts };
}

/**
 * The longest gap between a flow's arrivals that ends after the fault; with `restoredMs`, only the
 * gap each flow's first arrival from then on ends (a millisecond early: the clock offset is estimated).
 */
function longestGap(flows: ProbeSighting[][], restoredMs?: number): FaultCapture['gap'] {
  let gap: FaultCapture['gap'];
  for (const list of flows) {
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1];
      const after = list[i];
      if (!before || !after || after.atMs < 0) continue;
      if (restoredMs !== undefined && (after.atMs < restoredMs - 1 || before.atMs >= restoredMs - 1)) continue;
      const ms = after.atMs - before.atMs;
      if (!gap || ms > gap.ms) gap = { lastBefore: before, firstAfter: after, ms };
    }
  }
  return gap;
}
