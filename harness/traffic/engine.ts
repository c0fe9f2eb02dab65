/**
 * The measurement engine: UDP probe flows through the bond, counted per slave with tc filters
 * that match only probe packets (LACPDUs and ARP probes do not count), analysed per window.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommand, run, type SpawnedProcess, type Target } from '../target/target.js';
import type { FaultEvent } from '../timeline/events.js';
import type { PlannedTopology, Topology } from '../topology/topology.js';
import { analyze, deliverySeries, missingTails, type Arrival } from './analyze.js';
import type { TrafficSettings, TrafficWindow } from './window.js';

export const PROBE_PORT = 47000;
const SOURCE_PORT_BASE = 40000;

export const DEFAULT_TRAFFIC: TrafficSettings = {
  flows: 1,
  vary: 'ports',
  rate: 1000,
  direction: 'to-clients',
  size: 64,
};

/** How long the receivers are read after the senders stop, at most. */
const COLLECT_MS = 3000;
/** How long without any arrival before what is missing counts as lost. */
const QUIET_MS = 200;
/** With a flow's last packets missing, how long without any arrival before they count as lost. */
const TAIL_QUIET_MS = 1000;
/** How often the receivers are read meanwhile: the quiet is timed from the reading that last found something. */
const COLLECT_POLL_MS = 50;

/** Fine enough to show a 50 ms outage, coarse enough to keep a long window's JSON small. */
const DELIVERY_BUCKET_MS = 10;

/** The probe's replies (probe.cts). */
interface SenderReport {
  sent: number[];
  notSent: number[];
  dropped: number[];
  firstUs: number;
  lastUs: number;
  stalls: [number, number][];
}

interface ReceiverReport {
  arrivals: Arrival[];
  rcvbufErrors: number;
}

interface FlowPlan {
  id: number;
  description: string;
  senderNetns: string;
  receiverNetns: string;
  dst: string;
  src: number;
}

function probeScript(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'probe.cjs');
}

export function planFlows(topology: PlannedTopology, settings: TrafficSettings): FlowPlan[] {
  const { flows, vary, direction } = settings;
  if (vary === 'clients' && flows > topology.clients.length) {
    throw new Error(
      `traffic: ${flows} flows that vary by client need ${flows} clients; the topology has ${topology.clients.length} (set topology.clients)`,
    );
  }
  const first = topology.clients[0];
  if (!first) throw new Error('traffic: the topology has no client host');
  return Array.from({ length: flows }, (_, id): FlowPlan => {
    const client = vary === 'clients' ? (topology.clients[id] ?? first) : first;
    const clientAddress = vary === 'addresses' ? extraAddress(topology, id) : client.ipv4;
    const src = SOURCE_PORT_BASE + (vary === 'ports' ? id : 0);
    return direction === 'to-clients'
      ? {
          id,
          description: `bond -> ${clientAddress}:${PROBE_PORT} from port ${src}`,
          senderNetns: topology.dut.netns,
          receiverNetns: client.netns,
          dst: clientAddress,
          src,
        }
      : {
          id,
          description: `${client.ipv4}:${src} -> bond`,
          senderNetns: client.netns,
          receiverNetns: topology.dut.netns,
          dst: topology.dut.ipv4,
          src,
        };
  });
}

/** Flows that vary by address go to extra addresses of the first client: same MAC, other IPs. */
function extraAddress(topology: PlannedTopology, id: number): string {
  return `198.18.${topology.subnet}.${100 + id}`;
}

/** A long-lived program on the target that answers lines on its stdin with lines on its stdout, in order. */
class LineProcess {
  private buffered = '';
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];

  constructor(
    private readonly process: SpawnedProcess,
    label: string,
  ) {
    process.onStdout((chunk) => {
      this.buffered += chunk;
      for (let newline = this.buffered.indexOf('\n'); newline >= 0; newline = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.waiting.shift()?.resolve(line);
      }
    });
    let stderr = '';
    process.onStderr((chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    void process.exited.then(() => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`${label} exited: ${stderr.trim()}`));
    });
  }

  /** The next line the process prints. */
  protected next(): Promise<string> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Write `input` and wait for the `lines` lines it answers with. */
  async ask(input: string, lines: number): Promise<string[]> {
    const replies = Array.from({ length: lines }, () => this.next());
    await this.process.write(input);
    return await Promise.all(replies);
  }

  async close(): Promise<void> {
    await this.process.kill('SIGKILL').catch(() => undefined);
  }
}

/** One probe process in one namespace: commands in, one JSON line back per command, in order. */
class Probe extends LineProcess {
  constructor(
    process: SpawnedProcess,
    readonly netns: string,
  ) {
    super(process, `the probe in ${netns}`);
  }

  static async start(target: Target, netns: string): Promise<Probe> {
    const process = await target.spawn([...(await nodeCommand(target, probeScript())), 'serve'], { netns });
    const probe = new Probe(process, netns);
    // "ready" first, then one line per command.
    const ready = await probe.next();
    if (ready !== 'ready') throw new Error(`the probe in ${netns} said ${ready}`);
    return probe;
  }

  async command(command: Record<string, unknown>): Promise<string> {
    const [reply] = await this.ask(`${JSON.stringify(command)}\n`, 1);
    return reply ?? '';
  }
}

/**
 * The probes of one case, one per namespace, started when a window first needs them and kept
 * for the case's later windows; the tc counters are installed once too (namespaces die with the case).
 */
export class ProbePool {
  private readonly probes = new Map<string, Promise<Probe>>();
  private readonly counterReaders = new Map<string, Promise<LineProcess>>();
  counting = false;

  constructor(readonly target: Target) {}

  /**
   * Start the probes of these namespaces now, and the tc that reads the counters in `countersIn`,
   * so that the first traffic start does not wait for them.
   */
  prewarm(netns: string[], countersIn?: string): void {
    for (const name of netns) this.get(name).catch(() => undefined);
    if (countersIn) this.counters(countersIn).catch(() => undefined);
  }

  get(netns: string): Promise<Probe> {
    let probe = this.probes.get(netns);
    if (!probe) {
      probe = Probe.start(this.target, netns);
      this.probes.set(netns, probe);
    }
    return probe;
  }

  /**
   * One tc in batch mode for the case, kept running: each window's counter reads are lines to it
   * rather than a tc started each time (100-1000 ms under emulation on a loaded machine). It
   * answers each `show` with one JSON line; it lives in the namespace, whose teardown ends it.
   */
  counters(netns: string): Promise<LineProcess> {
    let reader = this.counterReaders.get(netns);
    if (!reader) {
      reader = this.target
        .spawn(['tc', '-n', netns, '-s', '-j', '-batch', '-'])
        .then((process) => new LineProcess(process, `tc in ${netns}`));
      this.counterReaders.set(netns, reader);
    }
    return reader;
  }

  async close(): Promise<void> {
    const running = await Promise.allSettled<LineProcess>([...this.probes.values(), ...this.counterReaders.values()]);
    this.probes.clear();
    this.counterReaders.clear();
    await Promise.all(running.flatMap((process) => (process.status === 'fulfilled' ? [process.value.close()] : [])));
  }
}

interface Counters {
  slave: string;
  tx: number;
  rx: number;
}

/**
 * Probe packets each DUT slave has sent and received since its filters were installed; `before`:
 * tc commands (that print nothing) to run first, such as installing the filters.
 */
export async function probeCounters(pool: ProbePool, topology: Topology, before: string[] = []): Promise<Counters[]> {
  const queries = topology.dut.slaves.flatMap((slave) => [
    `filter show dev ${slave} egress`,
    `filter show dev ${slave} ingress`,
  ]);
  const tc = await pool.counters(topology.dut.netns);
  const lines = await tc.ask([...before, ...queries].map((line) => `${line}\n`).join(''), queries.length);
  const packets = (json: string) => {
    const filters = JSON.parse(json) as { options?: { actions?: { stats?: { packets?: number } }[] } }[];
    if (!Array.isArray(filters)) throw new Error(`tc printed ${json} for a filter list`);
    return filters.reduce((sum, f) => sum + (f.options?.actions?.[0]?.stats?.packets ?? 0), 0);
  };
  return topology.dut.slaves.map((slave, i) => ({
    slave,
    tx: packets(lines[2 * i] ?? '[]'),
    rx: packets(lines[2 * i + 1] ?? '[]'),
  }));
}

/** The namespaces whose probes these traffic windows will use. */
export function probeNamespaces(topology: PlannedTopology, windows: Partial<TrafficSettings>[]): string[] {
  const flows = windows.flatMap((requested) => planFlows(topology, { ...DEFAULT_TRAFFIC, ...requested }));
  return [...new Set(flows.flatMap((flow) => [flow.receiverNetns, flow.senderNetns]))];
}

export class TrafficSession {
  private constructor(
    private readonly pool: ProbePool,
    private readonly topology: Topology,
    private readonly settings: TrafficSettings,
    private readonly flows: FlowPlan[],
    private readonly senders: { probe: Probe; flows: FlowPlan[] }[],
    private readonly receivers: Probe[],
    private readonly countersAtStart: Counters[],
    private readonly rcvbufErrorsAtStart: number,
    readonly startNs: bigint,
  ) {}

  static async start(
    pool: ProbePool,
    topology: Topology,
    requested: Partial<TrafficSettings>,
  ): Promise<TrafficSession> {
    const target = pool.target;
    const settings = { ...DEFAULT_TRAFFIC, ...requested };
    const flows = planFlows(topology, settings);
    // The filters that count probe packets, installed by the case's tc before its first counter read.
    const counting = pool.counting
      ? []
      : topology.dut.slaves.flatMap((slave) => [
          `qdisc add dev ${slave} clsact`,
          ...['egress', 'ingress'].map(
            (dir) =>
              `filter add dev ${slave} ${dir} protocol ip flower ip_proto udp dst_port ${PROBE_PORT} action pass`,
          ),
        ]);
    const client = topology.clients[0];
    const addresses =
      settings.vary === 'addresses' && client
        ? flows.map((flow) => `addr replace ${flow.dst}/24 dev ${client.iface}\n`).join('')
        : undefined;

    const receiverNetns = [...new Set(flows.map((flow) => flow.receiverNetns))];
    const senderNetns = [...new Set(flows.map((flow) => flow.senderNetns))];
    // The probes started side by side (each costs a Node start under emulation, the first time only)
    // and readied, beside the counters' reading before any sender starts (which, the first time,
    // installs the filters).
    const [[receivers, senderProbes, flushed], countersAtStart] = await Promise.all([
      (async () => {
        const [receivers, senderProbes] = await Promise.all([
          Promise.all(receiverNetns.map((netns) => pool.get(netns))),
          Promise.all(senderNetns.map((netns) => pool.get(netns))),
          addresses && client
            ? run(target, ['ip', '-n', client.netns, '-batch', '-'], { input: addresses })
            : undefined,
        ]);
        await Promise.all(receivers.map((probe) => probe.command({ op: 'recv', port: PROBE_PORT })));
        // Anything a receiver got between windows is not this window's.
        const flushed = await Promise.all(receivers.map((probe) => probe.command({ op: 'report' })));
        return [receivers, senderProbes, flushed] as const;
      })(),
      probeCounters(pool, topology, counting),
    ]);
    pool.counting = true;
    const rcvbufErrorsAtStart = flushed.reduce(
      (sum, line) => sum + (JSON.parse(line) as ReceiverReport).rcvbufErrors,
      0,
    );
    const senders = senderProbes.map((probe) => ({
      probe,
      flows: flows.filter((flow) => flow.senderNetns === probe.netns),
    }));
    await Promise.all(
      senders.map(({ probe, flows: own }) =>
        probe.command({
          op: 'send',
          flows: own.map((flow) => ({ id: flow.id, dst: flow.dst, port: PROBE_PORT, src: flow.src })),
          rate: settings.rate,
          size: settings.size,
        }),
      ),
    );
    return new TrafficSession(
      pool,
      topology,
      settings,
      flows,
      senders,
      receivers,
      countersAtStart,
      rcvbufErrorsAtStart,
      await target.clockNs(),
    );
  }

  /**
   * What the receivers got: asked again while more keeps arriving and some is missing, so that a
   * receiver that ran late (a loaded machine) is not read as loss. While a flow's last packets are
   * missing, a longer quiet is waited for: under load a guest CPU can hold packets in its backlog
   * for hundreds of ms, and such a tail would be counted lost in a window with no fault at all.
   */
  private async collect(sent: number[]): Promise<{ arrivals: Arrival[]; rcvbufErrors: number }> {
    const expected = sent.reduce((sum, n) => sum + n, 0);
    const arrivals: Arrival[] = [];
    let rcvbufErrors = 0;
    const read = async (): Promise<number> => {
      const replies = (await Promise.all(this.receivers.map((probe) => probe.command({ op: 'report' })))).map(
        (line) => JSON.parse(line) as ReceiverReport,
      );
      const fresh = replies.flatMap((reply) => reply.arrivals);
      arrivals.push(...fresh);
      rcvbufErrors = replies.reduce((sum, reply) => sum + reply.rcvbufErrors, 0);
      return fresh.length;
    };
    // Every packet there at once (distinct ones: duplicates must not stand in for a late packet): no
    // waiting. Otherwise what was read counts as the first reading's, so the waits stay as they were.
    let carried = await read();
    if (new Set(arrivals.map(([flow, seq]) => `${flow}:${seq}`)).size >= expected) return { arrivals, rcvbufErrors };
    const startedMs = performance.now();
    let lastFreshMs = startedMs;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, COLLECT_POLL_MS));
      const fresh = (await read()) + carried;
      carried = 0;
      const nowMs = performance.now();
      if (fresh) lastFreshMs = nowMs;
      const quietMs = missingTails(sent, arrivals) > 0 ? TAIL_QUIET_MS : QUIET_MS;
      if (nowMs - lastFreshMs >= quietMs || arrivals.length >= expected || nowMs - startedMs > COLLECT_MS)
        return { arrivals, rcvbufErrors };
    }
  }

  /**
   * Stop the senders, let what is in flight arrive, collect what the receivers got, and analyse the
   * window; `faults` (the case's, any time) split its loss by cause.
   */
  async stop(faults: FaultEvent[] = []): Promise<TrafficWindow> {
    const target = this.pool.target;
    const reports = await Promise.all(this.senders.map((sender) => sender.probe.command({ op: 'stop' })));
    const endNs = await target.clockNs();
    const sent = this.flows.map(() => 0);
    const spans = this.flows.map(() => ({ firstUs: 0, lastUs: 0 }));
    const stalls: [number, number][] = [];
    let notSent = 0;
    let dropped = 0;
    let firstUs = Number.POSITIVE_INFINITY;
    let lastUs = 0;
    this.senders.forEach((sender, i) => {
      const report = JSON.parse(reports[i] ?? '{}') as SenderReport;
      sender.flows.forEach((flow, j) => {
        sent[flow.id] = report.sent[j] ?? 0;
        spans[flow.id] = { firstUs: report.firstUs, lastUs: report.lastUs };
        notSent += report.notSent[j] ?? 0;
        dropped += report.dropped[j] ?? 0;
      });
      stalls.push(...report.stalls);
      firstUs = Math.min(firstUs, report.firstUs);
      lastUs = Math.max(lastUs, report.lastUs);
    });
    const { arrivals, rcvbufErrors } = await this.collect(sent);
    const inWindow = faults.filter((f) => f.startNs >= this.startNs && f.startNs <= endNs);
    const { flows, totals } = analyze(sent, arrivals, {
      spans,
      intervalUs: 1e6 / this.settings.rate,
      faults: inWindow.map((f) => ({ issuedUs: Number(f.startNs / 1000n), returnedUs: Number(f.endNs / 1000n) })),
      stalls,
      notSent,
      harnessLost: dropped + Math.max(0, rcvbufErrors - this.rcvbufErrorsAtStart),
    });
    const counters = (await probeCounters(this.pool, this.topology)).map((c) => {
      const before = this.countersAtStart.find((b) => b.slave === c.slave);
      return { slave: c.slave, tx: c.tx - (before?.tx ?? 0), rx: c.rx - (before?.rx ?? 0) };
    });
    const txTotal = counters.reduce((sum, c) => sum + c.tx, 0);
    const rxTotal = counters.reduce((sum, c) => sum + c.rx, 0);
    const seconds = (lastUs - firstUs) / 1e6;
    return {
      settings: this.settings,
      startNs: this.startNs,
      endNs,
      achievedPps: seconds > 0 ? Math.round(totals.sent / seconds) : 0,
      setPps: this.settings.rate * this.flows.length,
      flows: flows.map((stats) => ({ ...stats, description: this.flows[stats.flow]?.description ?? '' })),
      totals,
      perSlave: counters.map((c) => ({
        slave: c.slave,
        txPackets: c.tx,
        rxPackets: c.rx,
        txShare: txTotal ? c.tx / txTotal : 0,
        rxShare: rxTotal ? c.rx / rxTotal : 0,
      })),
      delivery: deliverySeries(arrivals, firstUs, lastUs, DELIVERY_BUCKET_MS),
    };
  }

  /** Stop sending without analysing: used when a case ends early (the pool's close ends the probes). */
  async abort(): Promise<void> {
    await Promise.all(this.senders.map((sender) => sender.probe.command({ op: 'stop' }).catch(() => undefined)));
  }
}
