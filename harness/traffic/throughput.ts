/**
 * TCP throughput through the bond with iperf3 (Debian's package), against one plain link with
 * the same rate limit measured in the same run, before and after the bond: whether bonding
 * multiplies bandwidth is a ratio. Each measurement also records how busy the machine's CPUs were
 * (/proc/stat), so that a claim can tell a bond that did not deliver from a machine that could not
 * carry the traffic (harness/check/claims/throughput.ts).
 */
import { run, type SpawnedProcess, type Target } from '../target/target.js';
import { shapingCommand, tbfQdisc, type Shaping, type Topology } from '../topology/topology.js';

export const IPERF_PORT = 5201;
/** The capacity measurement only shows what the machine carries now: a second is enough and costs little. */
export const CAPACITY_SECONDS = 1;

export interface ThroughputSettings {
  streams: number;
  seconds: number;
  /** One iperf3 with parallel streams (ports differ), or one stream per client host. */
  vary: 'ports' | 'clients';
  direction: 'to-clients' | 'from-clients';
}

export const DEFAULT_THROUGHPUT: ThroughputSettings = {
  streams: 1,
  seconds: 3,
  vary: 'ports',
  direction: 'to-clients',
};

/** How busy the machine's CPUs were during one measurement, from /proc/stat (fractions of 0-1). */
export interface CpuUse {
  /** The busiest CPU's busy share (not idle, not iowait, not stolen): near 1, that CPU was the limit. */
  busiest: number;
  /** All CPUs together. */
  overall: number;
  /** Time the hypervisor took from the CPUs (0 where the kernel cannot tell, as under TCG). */
  steal: number;
}

export interface ThroughputResult {
  settings: ThroughputSettings;
  streamsBps: number[];
  totalBps: number;
  /**
   * The same streams over one link of the same rate, measured in this run: the larger of the
   * measurements before and after the bond's, so that a slowed reference cannot inflate the factor.
   */
  singleLinkBps: number;
  factor: number;
  /** One link before and after the bond's measurement (absent from results written before they existed). */
  singleLinkRunsBps?: [number, number];
  /** The topology's rate limit per link in bit/s, when it has one. */
  linkRateBps?: number;
  /**
   * The same streams over one plain link without a rate limit, right after the bond's measurement
   * (CAPACITY_SECONDS long): what the machine could carry at that time.
   */
  capacityBps?: number;
  /**
   * On a lab: the same streams through the bond with its links' rate limits lifted
   * (CAPACITY_SECONDS long), right after the bond's measurement: what the lab's NICs carried then.
   * The plain-link capacity is a veth's and does not speak for them.
   */
  pathCapacityBps?: number;
  /** CPU use during the bond's measurement and during each single-link measurement. */
  cpu?: { bond: CpuUse; singleLink: [CpuUse, CpuUse] };
}

/** A tc rate as the scenario schema allows it (100mbit) in bit/s. */
export function rateBps(rate: string): number | undefined {
  const match = /^(\d+)(kbit|mbit|gbit)$/.exec(rate);
  if (!match) return undefined;
  return Number(match[1]) * { kbit: 1e3, mbit: 1e6, gbit: 1e9 }[match[2] as 'kbit' | 'mbit' | 'gbit'];
}

interface CpuTimes {
  busy: number;
  total: number;
  steal: number;
}

/** Per-CPU jiffies from /proc/stat: user nice system idle iowait irq softirq steal. */
export function parseProcStat(text: string): CpuTimes[] {
  return text
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
        .split(/\s+/)
        .slice(1, 9)
        .map(Number);
      return {
        busy: user + nice + system + irq + softirq,
        total: user + nice + system + idle + iowait + irq + softirq + steal,
        steal,
      };
    });
}

/** CPU use between two /proc/stat readings. */
export function cpuUse(before: CpuTimes[], after: CpuTimes[]): CpuUse {
  const deltas = after.map((a, i) => {
    const b = before[i] ?? { busy: 0, total: 0, steal: 0 };
    return { busy: a.busy - b.busy, total: a.total - b.total, steal: a.steal - b.steal };
  });
  const share = (part: number, whole: number) => (whole > 0 ? Number((part / whole).toFixed(3)) : 0);
  const sum = (key: keyof CpuTimes) => deltas.reduce((s, d) => s + d[key], 0);
  return {
    busiest: Math.max(0, ...deltas.map((d) => share(d.busy, d.total))),
    overall: share(sum('busy'), sum('total')),
    steal: share(sum('steal'), sum('total')),
  };
}

/** Run a measurement and note how busy the machine was meanwhile. */
async function withCpu<T>(target: Target, measure: () => Promise<T>): Promise<{ value: T; cpu: CpuUse }> {
  const read = async () => parseProcStat((await target.readFile('/proc/stat')).toString());
  const before = await read();
  const value = await measure();
  return { value, cpu: cpuUse(before, await read()) };
}

interface IperfJson {
  end?: { sum_received?: { bits_per_second?: number }; streams?: { receiver?: { bits_per_second?: number } }[] };
  error?: string;
}

function parseIperf(text: string, what: string): { total: number; streams: number[] } {
  let json: IperfJson;
  try {
    json = JSON.parse(text) as IperfJson;
  } catch {
    throw new Error(`${what}: iperf3 printed no JSON: ${text.slice(0, 300)}`);
  }
  if (json.error) throw new Error(`${what}: iperf3: ${json.error}`);
  return {
    total: json.end?.sum_received?.bits_per_second ?? 0,
    streams: (json.end?.streams ?? []).map((s) => s.receiver?.bits_per_second ?? 0),
  };
}

/** An iperf3 server says so once it listens (--forceflush: at once, not when it exits). */
function listening(server: SpawnedProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the iperf3 server did not listen within 10 s: ${out}`)), 10_000);
    server.onStdout((chunk) => {
      out += chunk;
      if (!out.includes('Server listening')) return;
      clearTimeout(timer);
      resolve();
    });
    void server.exited.then((result) => {
      clearTimeout(timer);
      reject(new Error(`the iperf3 server exited before it listened: ${(result.stderr || out).trim()}`));
    });
  });
}

/** Run iperf3 clients in `from` against servers at the given addresses in their namespaces, all at once. */
async function iperf(
  target: Target,
  from: string,
  servers: { netns: string; address: string; streams: number }[],
  settings: ThroughputSettings,
): Promise<{ total: number; streams: number[] }> {
  const started = await Promise.all(
    servers.map(({ netns }) =>
      target.spawn(['iperf3', '-s', '-1', '-p', String(IPERF_PORT), '--forceflush'], { netns }),
    ),
  );
  try {
    await Promise.all(started.map(listening));
    const results = await Promise.all(
      servers.map(({ address, streams }) =>
        run(
          target,
          [
            'iperf3',
            '-c',
            address,
            '-p',
            String(IPERF_PORT),
            '-P',
            String(streams),
            '-t',
            String(settings.seconds),
            '-J',
            ...(settings.direction === 'from-clients' ? ['-R'] : []),
          ],
          {
            netns: from,
            timeoutMs: (settings.seconds + 30) * 1000,
          },
        ),
      ),
    );
    const parsed = results.map((r, i) => parseIperf(r.stdout, `iperf3 to ${servers[i]?.address}`));
    return { total: parsed.reduce((sum, p) => sum + p.total, 0), streams: parsed.flatMap((p) => p.streams) };
  } finally {
    for (const server of started) await server.kill('SIGKILL').catch(() => undefined);
  }
}

/**
 * One plain veth link with the topology's rate limit, in two namespaces of this case, kept for the
 * measurements before and after the bond's; without the limit for the capacity measurement.
 */
async function withSingleLink<T>(
  target: Target,
  topology: Topology,
  settings: ThroughputSettings,
  use: (measure: (shaped: boolean) => Promise<number>) => Promise<T>,
): Promise<T> {
  const [a, b] = [`${topology.dut.netns}-l0`, `${topology.dut.netns}-l1`];
  const tbf = (verb: 'add' | 'del') =>
    topology.linkRate
      ? `tc -n ${a} qdisc ${verb} dev l0 root ${tbfQdisc(topology.linkRate)}; tc -n ${b} qdisc ${verb} dev l1 root ${tbfQdisc(topology.linkRate)}`
      : 'true';
  let shapedNow = true;
  await run(target, [
    'sh',
    '-ec',
    `ip netns add ${a}; ip netns add ${b}
ip link add l0 netns ${a} type veth peer name l1 netns ${b}
ip -n ${a} addr add 198.18.255.1/24 dev l0; ip -n ${b} addr add 198.18.255.2/24 dev l1
ip -n ${a} link set l0 up; ip -n ${b} link set l1 up; ip -n ${a} link set lo up; ip -n ${b} link set lo up
${tbf('add')}`,
  ]);
  try {
    return await use(async (shaped) => {
      if (shaped !== shapedNow) await run(target, ['sh', '-ec', tbf(shaped ? 'add' : 'del')]);
      shapedNow = shaped;
      const time = shaped ? settings : { ...settings, seconds: CAPACITY_SECONDS };
      return (await iperf(target, a, [{ netns: b, address: '198.18.255.2', streams: settings.streams }], time)).total;
    });
  } finally {
    await target.exec(['sh', '-c', `ip netns del ${a}; ip netns del ${b}`]);
  }
}

/** A measurement with the topology's qdiscs lifted from the bond's links, put back whatever happens. */
async function unshaped<T>(target: Target, shaping: Shaping[], measure: () => Promise<T>): Promise<T> {
  const tc = (verb: 'replace' | 'del') => run(target, ['sh', '-ec', shaping.map(shapingCommand(verb)).join('\n')]);
  await tc('del');
  try {
    return await measure();
  } finally {
    await tc('replace');
  }
}

export async function measureThroughput(
  target: Target,
  topology: Topology,
  requested: Partial<ThroughputSettings>,
): Promise<ThroughputResult> {
  const settings = { ...DEFAULT_THROUGHPUT, ...requested };
  const first = topology.clients[0];
  if (!first) throw new Error('throughput: the topology has no client host');
  if (settings.vary === 'clients' && settings.streams > topology.clients.length) {
    throw new Error(
      `throughput: ${settings.streams} streams that vary by client need ${settings.streams} clients; the topology has ${topology.clients.length}`,
    );
  }
  const servers =
    settings.vary === 'clients'
      ? topology.clients.slice(0, settings.streams).map((c) => ({ netns: c.netns, address: c.ipv4, streams: 1 }))
      : [{ netns: first.netns, address: first.ipv4, streams: settings.streams }];
  // One link before and after: a machine whose load changed during the bond's measurement shows as two references that differ.
  // The capacity right after the bond's: what the machine could carry unshaped while the bond was measured.
  const throughBond = (time: ThroughputSettings) => iperf(target, topology.dut.netns, servers, time);
  const [before, bonded, capacity, pathCapacity, after] = await withSingleLink(
    target,
    topology,
    settings,
    async (single) =>
      [
        await withCpu(target, () => single(true)),
        await withCpu(target, () => throughBond(settings)),
        await single(false),
        topology.links && topology.shaping?.length
          ? await unshaped(target, topology.shaping, () => throughBond({ ...settings, seconds: CAPACITY_SECONDS }))
          : undefined,
        await withCpu(target, () => single(true)),
      ] as const,
  );
  const reference = Math.max(before.value, after.value);
  const linkRateBps = topology.linkRate ? rateBps(topology.linkRate) : undefined;
  return {
    settings,
    streamsBps: bonded.value.streams,
    totalBps: bonded.value.total,
    singleLinkBps: reference,
    factor: reference ? bonded.value.total / reference : 0,
    singleLinkRunsBps: [before.value, after.value],
    capacityBps: capacity,
    ...(pathCapacity ? { pathCapacityBps: pathCapacity.total } : {}),
    ...(linkRateBps ? { linkRateBps } : {}),
    cpu: { bond: bonded.cpu, singleLink: [before.cpu, after.cpu] },
  };
}
