import { describe, expect, it } from 'vitest';
import { faultCommands } from '../fault/faults.js';
import { buildScript, shapingCommand, type Topology } from './topology.js';
import { netnsName, ownerPid, newRunId } from './names.js';

const request = {
  runId: 'abc1234',
  caseIndex: 3,
  bond: {
    mode: 'active-backup' as const,
    options: {
      miimon: 100,
      arp_interval: 100,
      arp_ip_target: ['arp-target'],
      primary: 'eth1',
      xmit_hash_policy: 'layer3+4',
    },
  },
  topology: { slaves: 3, farSide: 'switch' as const, clients: 2, arpTarget: true },
};

describe('topology script', () => {
  const { script, topology } = buildScript(request);

  it('shapes both ends of every bond link and records the qdiscs, a latency on the bond side', () => {
    expect(topology.shaping).toBeUndefined();
    const shaped = buildScript({
      ...request,
      topology: { ...request.topology, linkRate: '50mbit', linkDelaysMs: [0, 20, 0] },
    }).topology;
    const tbf = 'tbf rate 50mbit burst 64kb latency 50ms';
    const [dut, far] = [netnsName('abc1234', 3, 'dut'), netnsName('abc1234', 3, 'far')];
    expect(shaped.shaping).toEqual([
      { netns: dut, dev: 'eth0', qdisc: tbf },
      { netns: far, dev: 'p0', qdisc: tbf },
      { netns: dut, dev: 'eth1', qdisc: 'netem delay 20ms rate 50mbit limit 10000' },
      { netns: far, dev: 'p1', qdisc: tbf },
      { netns: dut, dev: 'eth2', qdisc: tbf },
      { netns: far, dev: 'p2', qdisc: tbf },
    ]);
    const script = buildScript({ ...request, topology: { ...request.topology, linkRate: '50mbit' } }).script;
    expect(script).toContain(`tc -n ${far} qdisc add dev p2 root ${tbf}`);
    expect(shapingCommand('del')(shaped.shaping?.[2] ?? { netns: '', dev: '', qdisc: '' })).toBe(
      `tc -n ${dut} qdisc del dev eth1 root`,
    );
  });

  it('names every namespace after the run and case, and only creates inside them', () => {
    expect(topology.namespaces).toEqual(['dut', 'far', 'c0', 'c1', 'arp'].map((role) => netnsName('abc1234', 3, role)));
    const rootBatch = script.split("ip -batch - <<'EOF'\n")[1]?.split('\nEOF')[0] ?? '';
    expect(rootBatch).not.toBe('');
    for (const line of rootBatch.split('\n').filter((l) => l.startsWith('link '))) {
      expect(line, 'root-namespace batch lines only create veths into bondlab namespaces').toMatch(
        /netns bondlab-abc1234-3-/,
      );
    }
  });

  it('writes bond options through sysfs before enslaving, and the primary after', () => {
    const lines = script.split('\n');
    const hash = lines.findIndex((l) => l.includes('bonding/xmit_hash_policy'));
    const made = lines.findIndex((l) => l === 'link add bond0 type bond mode active-backup');
    const enslave = lines.findIndex((l) => l === 'link set dev eth0 master bond0');
    expect(made).toBeGreaterThan(-1);
    expect(made).toBeLessThan(hash);
    const primary = lines.findIndex((l) => l.includes('bonding/primary'));
    expect(hash).toBeGreaterThan(-1);
    expect(hash).toBeLessThan(enslave);
    expect(primary).toBeGreaterThan(enslave);
  });

  it("waits for every namespace's batch, then stays as the DUT namespace's holder once all is built", () => {
    const lines = script.split('\n');
    const waited = lines.indexOf('for pid in $pids; do wait $pid; done');
    expect(lines.filter((l) => / -batch - <<'EOF' &$/.test(l))).toHaveLength(topology.namespaces.length);
    expect(lines.findLastIndex((l) => l === 'pids="$pids $!"')).toBeLessThan(waited);
    expect(lines[waited + 1]).toMatch(new RegExp(`^exec ip netns exec ${topology.dut.netns} sh -ec 'echo `));
    expect(lines.slice(-2)).toEqual(['echo bondlab-topology-built $$', "exec sleep infinity'"]);
  });

  it('says when the namespaces exist (probes can start in them), before anything is built inside them', () => {
    const lines = script.split('\n');
    const made = lines.indexOf('echo bondlab-namespaces-made');
    const rootEnd = lines.indexOf('EOF');
    expect(lines.slice(1, rootEnd).filter((l) => l.startsWith('netns add '))).toHaveLength(topology.namespaces.length);
    expect(made).toBe(rootEnd + 1);
    expect(lines.findIndex((l) => / -batch - <<'EOF' &$/.test(l))).toBeGreaterThan(made);
  });

  it('points the ARP target token at the ARP target host', () => {
    expect(topology.arpTarget?.ipv4).toBe('198.18.4.254');
    expect(script).toContain('echo +198.18.4.254 > /sys/class/net/bond0/bonding/arp_ip_target');
  });

  it('uses addresses from the benchmarking range only', () => {
    for (const match of script.matchAll(/addr add (\S+)/g)) expect(match[1]).toMatch(/^(198\.18\.|fd42:b0d:)/);
  });

  it('builds a static LAG or an LACP partner on the far side when asked', () => {
    const lacp = buildScript({
      ...request,
      bond: { mode: '802.3ad', options: {} },
      topology: { ...request.topology, farSide: 'lacp' },
    });
    expect(lacp.script).toContain(
      `link add lag0 address ${lacp.topology.far.lagMac} type bond mode 802.3ad lacp_rate fast miimon 100`,
    );
    expect(lacp.topology.far.lagMac).toMatch(/^02:b0:0d:[0-9a-f]{2}:00:fe$/);
    const lag = buildScript({
      ...request,
      bond: { mode: 'balance-xor', options: {} },
      topology: { ...request.topology, farSide: 'static-lag' },
    });
    expect(lag.script).toContain(
      `link add lag0 address ${lag.topology.far.lagMac} type bond mode balance-xor miimon 100`,
    );
  });

  it('gives clients fixed MACs whose last bytes count up, so layer2 hashing is the same in every run', () => {
    const macs = buildScript({ ...request, topology: { ...request.topology, clients: 4 } }).topology.clients.map(
      (c) => c.mac,
    );
    expect(macs.map((mac) => mac?.slice(-2))).toEqual(['10', '11', '12', '13']);
    expect(new Set(macs).size).toBe(4);
  });

  it("reads the creator's pid back from a namespace name", () => {
    const name = netnsName(`${process.pid.toString(36)}beef`, 0, 'dut');
    expect(ownerPid(name)).toBe(process.pid);
    expect(ownerPid('my-own-netns')).toBeUndefined();
  });

  it("reads the creator's pid back from the run ids the CLI makes (a timestamp first)", () => {
    const runId = newRunId(new Date('2026-11-29T12:00:00Z'));
    expect(runId).toMatch(new RegExp(`^20261129120000-${process.pid.toString(36)}[0-9a-f]{4}$`));
    expect(ownerPid(netnsName(runId, 12, 'c0'))).toBe(process.pid);
    expect(ownerPid('bondlab-20261129120000-1-0-dut')).toBeUndefined();
  });
});

describe('fault commands', () => {
  const { topology: t } = buildScript(request);
  const topology: Topology = { ...t, dut: { ...t.dut, holderPid: 1 } };
  const dut = topology.dut.netns;

  it('detaches a slave the three ways users do', () => {
    expect(faultCommands(topology, { kind: 'detach', slave: { index: 0 }, method: 'ip' }, 'eth0')[0]?.argv).toEqual([
      'ip',
      '-n',
      dut,
      'link',
      'set',
      'eth0',
      'nomaster',
    ]);
    expect(
      faultCommands(topology, { kind: 'detach', slave: { index: 0 }, method: 'sysfs' }, 'eth0')[0]?.argv.at(-1),
    ).toBe('echo -eth0 > /sys/class/net/bond0/bonding/slaves');
    expect(
      faultCommands(topology, { kind: 'detach', slave: { index: 0 }, method: 'ifenslave' }, 'eth0')[0]?.argv.at(-1),
    ).toContain('ifenslave -d bond0 eth0');
  });

  it('cuts carrier from the far side, on the port wired to the slave', () => {
    const [command] = faultCommands(topology, { kind: 'carrier-off', slave: { index: 2 } }, 'eth2');
    expect(command?.argv).toEqual(['ip', '-n', topology.far.netns, 'link', 'set', 'p2', 'down']);
  });

  it('makes the ARP target unreachable by removing its address or dropping its traffic', () => {
    expect(faultCommands(topology, { kind: 'arp-target-loss', how: 'remove-address' }, undefined)[0]?.argv).toContain(
      '198.18.4.254/24',
    );
    expect(faultCommands(topology, { kind: 'arp-target-loss', how: 'drop' }, undefined)[0]?.argv.at(-1)).toContain(
      'matchall action drop',
    );
  });

  it('refuses a slave fault without a slave', () => {
    expect(() => faultCommands(topology, { kind: 'link-down', slave: { index: 0 } }, undefined)).toThrow(
      /needs a slave/,
    );
  });
});
