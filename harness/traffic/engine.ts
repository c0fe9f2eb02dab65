/**
 * The measurement engine: UDP probe flows through the bond, counted per slave with tc filters
 * that match only probe packets (LACPDUs and ARP probes do not count), analysed per window.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type SpawnedProcess, type Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';
import { analyze, deliverySeries, type Arrival, type DeliverySeries, type FlowStats, type TrafficTotals } from './analyze.js';

export const PROBE_PORT = 47000;
const SOURCE_PORT_BASE = 40000;

export interface TrafficSettings {
  /** How many flows at once. */
  flows: number;
  /** What tells the flows apart: source ports (layer3+4), addresses of one host (layer2+3), or client hosts (layer2). */
  vary: 'ports' | 'addresses' | 'clients';
  /** Packets per second, per flow. */
  rate: number;
  direction: 'to-clients' | 'from-clients';
  size: number;
}

export const DEFAULT_TRAFFIC: TrafficSettings = { flows: 1, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 };

export interface SlaveShare {
  slave: string;
  txPackets: number;
  rxPackets: number;
  txShare: number;
  rxShare: number;
}

/** One traffic window: from traffic start to traffic stop. */
export interface TrafficWindow {
  settings: TrafficSettings;
  startNs: bigint;
  endNs: bigint;
  /** Packets per second actually sent, all flows together. */
  achievedPps: number;
  flows: (FlowStats & { description: string })[];
  totals: TrafficTotals;
  /** Probe packets per DUT slave, transmitted and received, with each slave's share. */
  perSlave: SlaveShare[];
  delivery: DeliverySeries;
}

/** Fine enough to show a 50 ms outage, coarse enough to keep a long window's JSON small. */
const DELIVERY_BUCKET_MS = 10;

interface FlowPlan {
  id: number;
  description: string;
  senderNetns: string;
  receiverNetns: string;
  dst: string;
  src: number;
}

function probeScript(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'probe.js');
}

export function planFlows(topology: Topology, settings: TrafficSettings): FlowPlan[] {
  const { flows, vary, direction } = settings;
  if (vary === 'clients' && flows > topology.clients.length) {
    throw new Error(`traffic: ${flows} flows that vary by client need ${flows} clients; the topology has ${topology.clients.length} (set topology.clients)`);
  }
  const first = topology.clients[0];
  if (!first) throw new Error('traffic: the topology has no client host');
  return Array.from({ length: flows }, (_, id): FlowPlan => {
    const client = vary === 'clients' ? (topology.clients[id] ?? first) : first;
    const clientAddress = vary === 'addresses' ? extraAddress(topology, id) : client.ipv4;
    const src = SOURCE_PORT_BASE + (vary === 'ports' ? id : 0);
    return direction === 'to-clients'
      ? { id, description: `bond -> ${clientAddress}:${PROBE_PORT} from port ${src}`, senderNetns: topology.dut.netns, receiverNetns: client.netns, dst: clientAddress, src }
      : { id, description: `${client.ipv4}:${src} -> bond`, senderNetns: client.netns, receiverNetns: topology.dut.netns, dst: topology.dut.ipv4, src };
  });
}

/** Flows that vary by address go to extra addresses of the first client: same MAC, other IPs. */
function extraAddress(topology: Topology, id: number): string {
  return `198.18.${topology.subnet}.${100 + id}`;
}

async function waitReady(process: SpawnedProcess, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    process.onStdout((chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    void process.exited.then((result) => reject(new Error(`${what} exited before it was ready: ${result.stderr.trim()}`)));
  });
}

/** Collects a process's stdout; the probe's report is its last line. */
function collect(process: SpawnedProcess): () => string {
  let out = '';
  process.onStdout((chunk) => {
    out += chunk;
  });
  return () => out.trim().split('\n').at(-1) ?? '';
}

export class TrafficSession {
  private constructor(
    private readonly target: Target,
    private readonly topology: Topology,
    private readonly settings: TrafficSettings,
    private readonly flows: FlowPlan[],
    private readonly senders: { process: SpawnedProcess; report: () => string; flows: FlowPlan[] }[],
    private readonly receivers: { process: SpawnedProcess; report: () => string }[],
    readonly startNs: bigint,
  ) {}

  static async start(target: Target, topology: Topology, requested: Partial<TrafficSettings>): Promise<TrafficSession> {
    const settings = { ...DEFAULT_TRAFFIC, ...requested };
    const flows = planFlows(topology, settings);
    const script = probeScript();
    const node = process.execPath;
    const dutSlaves = topology.dut.slaves;
    const tcSetup = dutSlaves
      .map((slave) =>
        ['egress', 'ingress']
          .map((dir) => `tc filter add dev ${slave} ${dir} protocol ip flower ip_proto udp dst_port ${PROBE_PORT} action pass`)
          .concat(`tc qdisc add dev ${slave} clsact 2>/dev/null || true`)
          .reverse()
          .join('\n'),
      )
      .join('\n');
    const setup = [tcSetup];
    if (settings.vary === 'addresses') {
      const client = topology.clients[0];
      if (client) flows.forEach((flow) => setup.push(`ip -n ${client.netns} addr replace ${flow.dst}/24 dev ${client.iface}`));
    }
    await run(target, ['ip', 'netns', 'exec', topology.dut.netns, 'sh', '-ec', setup.join('\n')]);

    const receiverNetns = [...new Set(flows.map((flow) => flow.receiverNetns))];
    const receivers = [];
    for (const netns of receiverNetns) {
      const process = await target.spawn([node, script, 'recv', '--port', String(PROBE_PORT)], { netns });
      receivers.push({ process, report: collect(process), ready: waitReady(process, `the probe receiver in ${netns}`) });
    }
    await Promise.all(receivers.map((r) => r.ready));
    const senderNetns = [...new Set(flows.map((flow) => flow.senderNetns))];
    const senders = [];
    for (const netns of senderNetns) {
      const own = flows.filter((flow) => flow.senderNetns === netns);
      const spec = own.map((flow) => ({ id: flow.id, dst: flow.dst, port: PROBE_PORT, src: flow.src }));
      const process = await target.spawn([node, script, 'send', '--flows', JSON.stringify(spec), '--rate', String(settings.rate), '--size', String(settings.size)], { netns });
      senders.push({ process, report: collect(process), flows: own, ready: waitReady(process, `the probe sender in ${netns}`) });
    }
    await Promise.all(senders.map((s) => s.ready));
    return new TrafficSession(target, topology, settings, flows, senders, receivers, await target.clockNs());
  }

  private async probeCounters(): Promise<{ slave: string; tx: number; rx: number }[]> {
    const script = this.topology.dut.slaves
      .map((slave) => `echo "${slave} $(tc -s -j filter show dev ${slave} egress) $(tc -s -j filter show dev ${slave} ingress)"`)
      .join('\n');
    const out = (await run(this.target, ['ip', 'netns', 'exec', this.topology.dut.netns, 'sh', '-c', script])).stdout;
    const packets = (json: string) => {
      const filters = JSON.parse(json) as { options?: { actions?: { stats?: { packets?: number } }[] } }[];
      return filters.reduce((sum, f) => sum + (f.options?.actions?.[0]?.stats?.packets ?? 0), 0);
    };
    return out
      .trim()
      .split('\n')
      .map((line) => {
        const [slave = '', rest = ''] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
        const split = rest.indexOf('] [');
        return { slave, tx: packets(rest.slice(0, split + 1)), rx: packets(rest.slice(split + 2)) };
      });
  }

  /** Stop the senders, let what is in flight arrive, stop the receivers, and analyse the window. */
  async stop(): Promise<TrafficWindow> {
    for (const sender of this.senders) await sender.process.kill('SIGTERM');
    await Promise.all(this.senders.map((s) => s.process.exited));
    const endNs = await this.target.clockNs();
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const receiver of this.receivers) await receiver.process.kill('SIGTERM');
    await Promise.all(this.receivers.map((r) => r.process.exited));
    const sent = this.flows.map(() => 0);
    let firstUs = Number.POSITIVE_INFINITY;
    let lastUs = 0;
    for (const sender of this.senders) {
      const report = JSON.parse(sender.report()) as { sent: number[]; firstUs: number; lastUs: number };
      sender.flows.forEach((flow, i) => {
        sent[flow.id] = report.sent[i] ?? 0;
      });
      firstUs = Math.min(firstUs, report.firstUs);
      lastUs = Math.max(lastUs, report.lastUs);
    }
    const arrivals: Arrival[] = this.receivers.flatMap((r) => (JSON.parse(r.report()) as { arrivals: Arrival[] }).arrivals);
    const { flows, totals } = analyze(sent, arrivals);
    const counters = await this.probeCounters();
    const txTotal = counters.reduce((sum, c) => sum + c.tx, 0);
    const rxTotal = counters.reduce((sum, c) => sum + c.rx, 0);
    await run(this.target, ['ip', 'netns', 'exec', this.topology.dut.netns, 'sh', '-c', this.topology.dut.slaves.map((s) => `tc qdisc del dev ${s} clsact 2>/dev/null`).join('; ') + '; true']);
    const seconds = (lastUs - firstUs) / 1e6;
    return {
      settings: this.settings,
      startNs: this.startNs,
      endNs,
      achievedPps: seconds > 0 ? Math.round(totals.sent / seconds) : 0,
      flows: flows.map((stats) => ({ ...stats, description: this.flows[stats.flow]?.description ?? '' })),
      totals,
      perSlave: counters.map((c) => ({ slave: c.slave, txPackets: c.tx, rxPackets: c.rx, txShare: txTotal ? c.tx / txTotal : 0, rxShare: rxTotal ? c.rx / rxTotal : 0 })),
      delivery: deliverySeries(arrivals, firstUs, lastUs, DELIVERY_BUCKET_MS),
    };
  }

  /** Stop everything without analysing: used when a case ends early. */
  async abort(): Promise<void> {
    for (const p of [...this.senders, ...this.receivers]) await p.process.kill('SIGKILL').catch(() => undefined);
  }
}
