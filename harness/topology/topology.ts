/**
 * The network a scenario case runs on: the bond under test in its own namespace over N veth
 * pairs, a far side (an L2 switch, a static LAG or an LACP partner, in front of a bridge),
 * client hosts and an optional ARP target host behind that bridge. All of it lives in
 * namespaces this module creates, so deleting them removes every link it made.
 */
import type { ApplyScripts, DhcpServer, Names } from '../config/apply.js';
import { configApplier, configPortSettings } from '../config/applier.js';
import {
  carrierError,
  carrierWaitScript,
  parseCarrierWaits,
  slaveUpWaitScript,
  type CarrierWait,
} from '../lab/carrier.js';
import type { LabLinks } from '../lab/session.js';
import type { BondPlan, FarSide, TopologyPlan } from '../scenario/plan.js';
import { CommandFailedError, type SpawnedProcess, type Target } from '../target/target.js';
import { netnsName } from './names.js';

export const BOND = 'bond0';
/** The far side's own bond, for the static-lag and lacp profiles. */
export const FAR_LAG = 'lag0';
export const FAR_BRIDGE = 'br0';

export interface Host {
  netns: string;
  iface: string;
  ipv4: string;
  ipv6: string;
  /** Clients get fixed MACs so that layer2 hashing places them the same way in every run. */
  mac?: string;
}

/** A root qdisc on one of the bond's links: `tc -n NETNS qdisc add dev DEV root QDISC`. */
export interface Shaping {
  netns: string;
  dev: string;
  qdisc: string;
}

export interface Topology {
  runId: string;
  caseIndex: number;
  /** The bond's namespace: `bond0` over `eth0`..`ethN-1`. */
  dut: Host & { slaves: string[]; holderPid: number };
  /** `lagMac` is set on the far bond so that LACP claims can name the partner it must negotiate with. */
  far: { netns: string; profile: FarSide; ports: string[]; bridge: string; lag?: string; lagMac?: string };
  clients: Host[];
  arpTarget?: Host;
  /** Every namespace made, in creation order. */
  namespaces: string[];
  /** The subnet's third octet: cases of one run use different subnets. */
  subnet: number;
  /** The rate limit on every link, when the scenario set one. */
  linkRate?: string;
  /** The root qdiscs the build put on the bond's links (rate limits, latencies), so that a measurement can lift and restore them. */
  shaping?: Shaping[];
  /** Lab NICs instead of veth pairs (`bondlab run --lab`). */
  links?: LabLinks;
  /** On a lab: how long each lab NIC took to get carrier before the bond came up. */
  linkTraining?: (CarrierWait & { shown: string })[];
}

function addresses(subnet: number, host: number): { ipv4: string; ipv6: string } {
  return { ipv4: `198.18.${subnet}.${host}`, ipv6: `fd42:b0d:${subnet.toString(16)}::${host.toString(16)}` };
}

/** Values of bond options as sysfs takes them; the ARP target token becomes the target host's address. */
function optionWrites(bond: BondPlan, topology: Pick<Topology, 'arpTarget'>): { name: string; value: string }[] {
  const writes: { name: string; value: string }[] = [];
  for (const [name, raw] of Object.entries(bond.options)) {
    if (name === 'primary') continue;
    const values = Array.isArray(raw) ? raw : [raw];
    if (name === 'arp_ip_target' || name === 'ns_ip6_target') {
      for (const value of values) {
        const resolved = value === 'arp-target' ? topology.arpTarget?.ipv4 : String(value);
        if (!resolved) throw new Error(`${name}: the ARP target host does not exist in this topology`);
        writes.push({ name, value: `+${resolved}` });
      }
    } else {
      writes.push({ name, value: String(values[0]) });
    }
  }
  return writes;
}

/** 802.3ad must be set first, and options that need the bond down before any slave joins. */
const OPTION_ORDER = [
  'mode',
  'xmit_hash_policy',
  'lacp_rate',
  'lacp_active',
  'ad_select',
  'ad_actor_sys_prio',
  'ad_actor_system',
  'ad_user_port_key',
  'fail_over_mac',
  'tlb_dynamic_lb',
];

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface BuildRequest {
  runId: string;
  caseIndex: number;
  bond: BondPlan;
  topology: TopologyPlan;
  /** A bond of the user's configuration, brought up by its own tool (harness/config/apply.ts) instead of the sysfs writes. */
  applyWith?: (names: Names & { ipv4: string; server: DhcpServer }) => ApplyScripts;
  /** Lab links: the lab's NICs are moved into the DUT's namespace and its peer NICs into the far side's. */
  links?: LabLinks;
  /** Called once the namespaces exist, while the rest is still being built: programs to start in them can start now. */
  onNamespaces?: (topology: PlannedTopology) => void;
}

/**
 * The lab's NICs in place of veth pairs: each test NIC moves into the DUT's namespace as slave
 * N's interface, each peer NIC into the far side's as port N. Renamed through temporary names,
 * so that no rename meets a name still taken.
 */
function labLinks(
  links: LabLinks,
  dut: { netns: string; slaves: string[] },
  far: { netns: string; ports: string[] },
  root: string[],
  ip: (netns: string, command: string) => void,
): void {
  const move = (nics: string[], names: string[], netns: string) => {
    names.forEach((name, i) => {
      const nic = nics[i];
      if (!nic) throw new Error(`the lab has no NIC for ${name}`);
      root.push(`link set dev ${nic} netns ${netns}`);
      ip(netns, `link set dev ${nic} name bltmp${i}`);
    });
    names.forEach((name, i) => ip(netns, `link set dev bltmp${i} name ${name}`));
  };
  move(links.dutNics, dut.slaves, dut.netns);
  move(links.peerNics, far.ports, far.netns);
}

/** The lab NICs a case uses, as named in its DUT and far namespaces, for the carrier waits. */
function labCarrierNics(
  links: LabLinks,
  dut: { slaves: string[] },
  far: { ports: string[] },
): { dut: { name: string; shown: string }[]; far: { name: string; shown: string }[] } {
  const named = (names: string[], shown: string[] | undefined) =>
    names.map((name, i) => ({ name, shown: shown?.[i] ?? name }));
  return {
    dut: named(dut.slaves, links.shown?.dut),
    far: [
      ...named(far.ports, links.shown?.peer),
      ...(links.uplink ? named(['up0'], [links.shown?.uplink ?? links.uplink]) : []),
    ],
  };
}

/**
 * A lab bond's enslaves, one slave at a time into the bond that is already up: slave0 joins, trains
 * and is up in the bond before the next one joins. The kernel picks the active slave at each
 * enslave, bond down or not, from the slaves with link; a NIC that keeps carrier while down (virtio-net,
 * some real NICs) would otherwise win against a slave0 still training.
 */
function labEnslave(
  slaves: string[],
  far: { netns: string; ports: string[] },
  carrier: ReturnType<typeof labCarrierNics>,
): string[] {
  return slaves.flatMap((slave, i) => {
    const dutNic = carrier.dut[i];
    if (!dutNic) throw new Error(`the lab has no NIC for ${slave}`);
    // The far side's own NICs (a switch lab's uplink) are waited for with slave0.
    const farNics = carrier.far.filter(
      (nic) => nic.name === far.ports[i] || (i === 0 && !far.ports.includes(nic.name)),
    );
    return [
      `ip link set dev ${slave} master ${BOND}`,
      ...(farNics.length ? [`ip netns exec ${far.netns} sh -ec ${shellQuote(carrierWaitScript(farNics))}`] : []),
      carrierWaitScript([dutNic]),
      ...(i === 0 ? [slaveUpWaitScript(dutNic)] : []),
    ];
  });
}

/** A topology's names and addresses, before it is built. */
export type PlannedTopology = Omit<Topology, 'dut'> & { dut: Omit<Topology['dut'], 'holderPid'> };

/** The shell script that builds the topology; one round trip to the target for all of it. */
export function buildScript(request: BuildRequest): {
  script: string;
  topology: PlannedTopology;
} {
  const { runId, caseIndex, bond, topology: plan } = request;
  const subnet = (caseIndex % 250) + 1;
  const ns = (role: string) => netnsName(runId, caseIndex, role);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const dut = {
    netns: ns('dut'),
    iface: BOND,
    ...addresses(subnet, 1),
    slaves: Array.from({ length: plan.slaves }, (_, i) => `eth${i}`),
  };
  // A lab's switch is the far side itself (its own LAG): the far namespace then holds only the bridge and the clients.
  const ownFar = !request.links?.uplink;
  const far = {
    netns: ns('far'),
    profile: plan.farSide,
    ports: ownFar ? Array.from({ length: plan.slaves }, (_, i) => `p${i}`) : [],
    bridge: FAR_BRIDGE,
    lag: plan.farSide === 'switch' || !ownFar ? undefined : FAR_LAG,
    lagMac: plan.farSide === 'switch' || !ownFar ? undefined : `02:b0:0d:${hex(subnet)}:00:fe`,
  };
  // Last bytes 0x10, 0x11, ...: consecutive low bits spread clients evenly under any layer2 hash.
  const clients = Array.from({ length: plan.clients }, (_, j) => ({
    netns: ns(`c${j}`),
    iface: 'eth0',
    mac: `02:b0:0d:${hex(subnet)}:01:${hex(0x10 + j)}`,
    ...addresses(subnet, 10 + j),
  }));
  const arpTarget = plan.arpTarget ? { netns: ns('arp'), iface: 'eth0', ...addresses(subnet, 254) } : undefined;
  const namespaces = [dut.netns, far.netns, ...clients.map((c) => c.netns), ...(arpTarget ? [arpTarget.netns] : [])];
  const topology = {
    runId,
    caseIndex,
    dut,
    far,
    clients,
    arpTarget,
    namespaces,
    subnet,
    linkRate: plan.linkRate,
    links: request.links,
  };

  // Commands are grouped per namespace into `ip -batch` runs: under TCG every program start costs
  // tens of milliseconds, one batch costs one start.
  const batches = new Map<string, string[]>();
  const ip = (netns: string, command: string) => {
    if (!batches.has(netns)) batches.set(netns, []);
    batches.get(netns)?.push(command);
  };
  const root: string[] = [];
  for (const name of namespaces) root.push(`netns add ${name}`);
  if (!request.links)
    dut.slaves.forEach((slave, i) =>
      root.push(`link add ${slave} netns ${dut.netns} type veth peer name ${far.ports[i]} netns ${far.netns}`),
    );
  const attach = (host: Host, port: string) => {
    root.push(
      `link add ${host.iface} netns ${host.netns}${host.mac ? ` address ${host.mac}` : ''} type veth peer name ${port} netns ${far.netns}`,
    );
    ip(far.netns, `link set dev ${port} master ${FAR_BRIDGE}`);
    ip(far.netns, `link set dev ${port} up`);
    ip(host.netns, `link set dev ${host.iface} up`);
    ip(host.netns, `addr add ${host.ipv4}/24 dev ${host.iface}`);
    ip(host.netns, `addr add ${host.ipv6}/64 dev ${host.iface} nodad`);
  };
  for (const name of namespaces) ip(name, 'link set dev lo up');
  if (request.links) labLinks(request.links, dut, far, root, ip);

  // The far side: a bridge, with the links either as plain switch ports or under a static or LACP bond.
  ip(far.netns, `link add ${FAR_BRIDGE} type bridge stp_state 0 forward_delay 0`);
  ip(far.netns, `link set dev ${FAR_BRIDGE} up`);
  if (far.lag) {
    const lagMode = plan.farSide === 'lacp' ? '802.3ad lacp_rate fast' : bond.mode;
    ip(far.netns, `link add ${FAR_LAG} address ${far.lagMac} type bond mode ${lagMode} miimon 100`);
    for (const port of far.ports) ip(far.netns, `link set dev ${port} master ${FAR_LAG}`);
    ip(far.netns, `link set dev ${FAR_LAG} master ${FAR_BRIDGE}`);
    ip(far.netns, `link set dev ${FAR_LAG} up`);
  } else {
    for (const port of far.ports) ip(far.netns, `link set dev ${port} master ${FAR_BRIDGE}`);
  }
  for (const port of far.ports) ip(far.netns, `link set dev ${port} up`);
  if (request.links?.uplink) {
    root.push(`link set dev ${request.links.uplink} netns ${far.netns}`);
    ip(far.netns, `link set dev ${request.links.uplink} name up0`);
    ip(far.netns, `link set dev up0 master ${FAR_BRIDGE}`);
    ip(far.netns, `link set dev up0 up`);
  }
  clients.forEach((client, j) => attach(client, `c${j}`));
  if (arpTarget) attach(arpTarget, 'arpt');

  // The DUT bond: created down with its options written through sysfs (every driver option has a
  // file there, whatever iproute2 knows), then its slaves, then up. sysfs shows the namespace of
  // whoever mounted it, so this part runs under ip netns exec, which remounts it.
  const sysfs = `/sys/class/net/${BOND}/bonding`;
  // A bond its own tool brings up gets no writes of bondlab's (its ARP targets are the user's).
  const writes = (request.applyWith ? [] : optionWrites(bond, topology)).sort((a, b) => {
    const rank = (n: string) => (OPTION_ORDER.includes(n) ? OPTION_ORDER.indexOf(n) : OPTION_ORDER.length);
    return rank(a.name) - rank(b.name);
  });
  // The bond is made down in the namespace's batch; the options, the slaves and the rest follow in
  // its shell, the ip commands between sysfs writes as one batch each.
  if (!request.applyWith) ip(dut.netns, `link add ${BOND} type bond mode ${bond.mode}`);
  const dutSh = writes.map((w) => `echo ${shellQuote(w.value)} > ${sysfs}/${w.name}`);
  const up = [
    `link set dev ${BOND} up`,
    `addr add ${dut.ipv4}/24 dev ${BOND}`,
    `addr add ${dut.ipv6}/64 dev ${BOND} nodad`,
  ];
  const enslave = dut.slaves.map((slave) => `link set dev ${slave} master ${BOND}`);
  // A configured bond's per-port queue ids and priorities (its tool sets them itself when it applies).
  const portSettings =
    request.bond.config && !request.applyWith
      ? configPortSettings(request.bond.config, { bond: BOND, ports: dut.slaves })
      : [];
  // A lab's NICs train after the enslave opened them, so the case starts only once each has carrier
  // (far side first: a real peer trains with the DUT NIC). A bond its own tool brings up is up
  // already; its slaves are still waited for before any step.
  const carrier = request.links && labCarrierNics(request.links, dut, far);
  const carrierWaits = carrier
    ? [
        `ip netns exec ${far.netns} sh -ec ${shellQuote(carrierWaitScript(carrier.far))}`,
        carrierWaitScript(carrier.dut),
      ]
    : [];
  const primary = bond.options.primary;
  // Scenarios name slaves slave0, slave1, ...; the driver wants the interface.
  const slave = primary === undefined ? undefined : /^slave(\d+)$/.exec(String(primary));
  const primaryWrite =
    primary === undefined
      ? []
      : [
          `echo ${shellQuote(slave ? (dut.slaves[Number(slave[1])] ?? String(primary)) : String(primary))} > ${sysfs}/primary`,
        ];
  if (carrier) dutSh.push(...primaryWrite, batch('ip', up), ...labEnslave(dut.slaves, far, carrier), ...portSettings);
  else if (primaryWrite.length) dutSh.push(batch('ip', enslave), ...primaryWrite, batch('ip', up), ...portSettings);
  else dutSh.push(batch('ip', [...enslave, ...up]), ...portSettings);

  const applied = request.applyWith?.({
    bond: BOND,
    ports: dut.slaves,
    ipv4: dut.ipv4,
    server: { iface: FAR_BRIDGE, ipv4: addresses(subnet, 253).ipv4 },
  });
  const lines = ['set -e', ...(applied ? [applied.before] : []), batch('ip', root), `echo ${NAMESPACES_MARK}`];
  // The namespaces' batches do not depend on each other: run side by side, each one's failure kept.
  for (const [netns, commands] of batches) lines.push(batch(`ip -n ${netns}`, commands, true), 'pids="$pids $!"');
  lines.push('for pid in $pids; do wait $pid; done');
  if (applied?.server) lines.push(`ip netns exec ${far.netns} sh -ec ${shellQuote(applied.server)}`);
  const dutLines = applied ? [applied.up, `ip -6 addr add ${dut.ipv6}/64 dev ${BOND} nodad`, ...carrierWaits] : dutSh;
  // Both directions of every bond link get the rate, as a NIC of that speed would; a latency of
  // its own goes on the bond's side (netem, which can also limit the rate).
  const tbf = plan.linkRate ? tbfQdisc(plan.linkRate) : undefined;
  const shaping: Shaping[] = dut.slaves.flatMap((slave, i) => {
    const delay = plan.linkDelaysMs?.[i] ?? 0;
    const dutQdisc =
      delay > 0 ? `netem delay ${delay}ms${plan.linkRate ? ` rate ${plan.linkRate}` : ''} limit 10000` : tbf;
    const farPort = far.ports[i];
    return [
      ...(dutQdisc ? [{ netns: dut.netns, dev: slave, qdisc: dutQdisc }] : []),
      ...(tbf && farPort ? [{ netns: far.netns, dev: farPort, qdisc: tbf }] : []),
    ];
  });
  dutLines.push(...shaping.map(shapingCommand('add')));
  // The DUT's shell stays as the namespace's holder once all is built: one program fewer to start.
  dutLines.push(`echo ${HOLDER_MARK} $$`, 'exec sleep infinity');
  lines.push(`exec ip netns exec ${dut.netns} sh -ec ${shellQuote(dutLines.join('\n'))}`);
  return { script: lines.join('\n'), topology: { ...topology, ...(shaping.length ? { shaping } : {}) } };
}

/** A link of `rate` as the build shapes it: a token bucket, as a NIC of that speed. */
export function tbfQdisc(rate: string): string {
  return `tbf rate ${rate} burst 64kb latency 50ms`;
}

/** The tc command that adds, puts back (whether or not it is there) or deletes one of the build's qdiscs. */
export function shapingCommand(verb: 'add' | 'replace' | 'del'): (shaping: Shaping) => string {
  return ({ netns, dev, qdisc }) => `tc -n ${netns} qdisc ${verb} dev ${dev} root${verb === 'del' ? '' : ` ${qdisc}`}`;
}

/** The line the build prints once the topology stands, with the pid of the process that holds the DUT's namespace. */
const HOLDER_MARK = 'bondlab-topology-built';
/** The line the build prints once every namespace exists. */
const NAMESPACES_MARK = 'bondlab-namespaces-made';

function batch(prefix: string, commands: string[], background = false): string {
  return `${prefix} -batch - <<'EOF'${background ? ' &' : ''}\n${commands.join('\n')}\nEOF`;
}

export interface BuiltTopology {
  topology: Topology;
  /** Kills the namespace holder and deletes every namespace; safe to call twice. */
  teardown: () => Promise<void>;
}

export async function teardownNamespaces(target: Target, namespaces: string[]): Promise<void> {
  // One ip batch for all namespaces (-force: one already gone does not stop the rest): the pids of
  // the processes in them, then the deletes, then the shell's own kill. A process outlives its
  // namespace's name, not the kill; under emulation every program started costs 50-100 ms.
  const lines = (command: string) => namespaces.map((name) => `netns ${command} ${name}`).join('\n');
  await target.exec([
    'sh',
    '-c',
    `pids=$(ip -force -batch - 2>/dev/null <<'EOF'\n${lines('pids')}\n${lines('del')}\nEOF\n)\n[ -z "$pids" ] || kill -9 $pids 2>/dev/null\ntrue`,
  ]);
}

/** The lab NICs' carrier waits the build script printed, each with its NIC as reports name it. */
function trainingOf(
  links: LabLinks,
  topology: { dut: { slaves: string[] }; far: { ports: string[] } },
  stdout: string,
): NonNullable<Topology['linkTraining']> {
  const nics = labCarrierNics(links, topology.dut, topology.far);
  const shown = new Map([...nics.dut, ...nics.far].map((n) => [n.name, n.shown]));
  return parseCarrierWaits(stdout).map((wait) => ({ ...wait, shown: shown.get(wait.nic) ?? wait.nic }));
}

/** Build a case's topology on the target. Partial builds are torn down before the error is raised. */
export async function buildTopology(target: Target, request: BuildRequest): Promise<BuiltTopology> {
  const applier = request.bond.config?.apply ? configApplier(target, request.bond.config) : undefined;
  const { script, topology } = buildScript({
    ...request,
    ...(applier ? { applyWith: (names) => applier.scripts(names) } : {}),
  });
  let holder: SpawnedProcess | undefined;
  let done = false;
  const teardown = async () => {
    if (done) return;
    done = true;
    await holder?.kill('SIGKILL').catch(() => undefined);
    await teardownNamespaces(target, topology.namespaces);
    await applier?.restore();
    await request.links?.restore();
  };
  try {
    await request.links?.lend?.();
    // The build's last process holds the DUT's namespace: a process there lets the sampler read
    // /proc/<pid>/net/bonding without forking.
    const building = await target.spawn(['sh', '-c', script]);
    holder = building;
    const built = await new Promise<{ holderPid: number; stdout: string }>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let namespacesMade = false;
      building.onStdout((chunk) => {
        stdout += chunk;
        if (!namespacesMade && stdout.includes(`${NAMESPACES_MARK}\n`)) {
          namespacesMade = true;
          request.onNamespaces?.(topology);
        }
        const pid = new RegExp(`^${HOLDER_MARK} (\\d+)$`, 'm').exec(stdout)?.[1];
        if (pid) resolve({ holderPid: Number.parseInt(pid, 10), stdout });
      });
      building.onStderr((chunk) => (stderr += chunk));
      // A spawned process's output arrives as it is written, not in its result.
      void building.exited.then((result) =>
        reject(carrierError(new CommandFailedError({ ...result, stdout, stderr }))),
      );
    });
    const { holderPid } = built;
    const linkTraining = request.links && trainingOf(request.links, topology, built.stdout);
    await applier?.verify(topology.dut.netns, { bond: BOND, ports: topology.dut.slaves });
    return {
      topology: { ...topology, dut: { ...topology.dut, holderPid }, ...(linkTraining ? { linkTraining } : {}) },
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** Where the sampler reads the bond's /proc file: through the holder, in the DUT's namespace. */
export function procBondingPath(topology: Topology): string {
  return `/proc/${topology.dut.holderPid}/net/bonding/${BOND}`;
}
