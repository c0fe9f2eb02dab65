/**
 * TCP throughput through the bond with iperf3 (Debian's package), against one plain link with
 * the same rate limit measured in the same run: whether bonding multiplies bandwidth is a ratio.
 */
import { run, type SpawnedProcess, type Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';

export const IPERF_PORT = 5201;

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

export interface ThroughputResult {
  settings: ThroughputSettings;
  streamsBps: number[];
  totalBps: number;
  /** The same streams over one link of the same rate, measured in this run. */
  singleLinkBps: number;
  factor: number;
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

/** One plain veth link with the topology's rate limit, in two namespaces of this case. */
async function singleLink(target: Target, topology: Topology, settings: ThroughputSettings): Promise<number> {
  const [a, b] = [`${topology.dut.netns}-l0`, `${topology.dut.netns}-l1`];
  const shape = topology.linkRate
    ? `ip netns exec ${a} tc qdisc add dev l0 root tbf rate ${topology.linkRate} burst 64kb latency 50ms; ip netns exec ${b} tc qdisc add dev l1 root tbf rate ${topology.linkRate} burst 64kb latency 50ms`
    : 'true';
  await run(target, [
    'sh',
    '-ec',
    `ip netns add ${a}; ip netns add ${b}
ip link add l0 netns ${a} type veth peer name l1 netns ${b}
ip -n ${a} addr add 198.18.255.1/24 dev l0; ip -n ${b} addr add 198.18.255.2/24 dev l1
ip -n ${a} link set l0 up; ip -n ${b} link set l1 up; ip -n ${a} link set lo up; ip -n ${b} link set lo up
${shape}`,
  ]);
  try {
    return (await iperf(target, a, [{ netns: b, address: '198.18.255.2', streams: settings.streams }], settings)).total;
  } finally {
    await target.exec(['sh', '-c', `ip netns del ${a}; ip netns del ${b}`]);
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
  const bonded = await iperf(target, topology.dut.netns, servers, settings);
  const single = await singleLink(target, topology, settings);
  return {
    settings,
    streamsBps: bonded.streams,
    totalBps: bonded.total,
    singleLinkBps: single,
    factor: single ? bonded.total / single : 0,
  };
}
