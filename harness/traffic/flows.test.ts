import { describe, expect, it } from 'vitest';
import { buildScript, type Topology } from '../topology/topology.js';
import { DEFAULT_TRAFFIC, PROBE_PORT, planFlows, probeNamespaces } from './engine.js';
import type { TrafficSettings } from './window.js';

/** A real topology plan (no target needed): 2 slaves, 3 clients, case 4 of run abc1234 (subnet 5). */
function topology(clients = 3): Topology {
  const { topology: t } = buildScript({
    runId: 'abc1234',
    caseIndex: 4,
    bond: { mode: 'balance-xor', options: { miimon: 100, xmit_hash_policy: 'layer3+4' } },
    topology: { slaves: 2, farSide: 'static-lag', clients, arpTarget: false },
  });
  return { ...t, dut: { ...t.dut, holderPid: 1 } };
}

const settings = (over: Partial<TrafficSettings>): TrafficSettings => ({ ...DEFAULT_TRAFFIC, ...over });

describe('the flow planner', () => {
  const t = topology();
  const [c0, c1, c2] = t.clients;

  it('tells flows apart by source port (layer3+4): one client, ports 40000 and up, the probe port as destination', () => {
    const flows = planFlows(t, settings({ flows: 3, vary: 'ports' }));
    expect(flows.map((f) => [f.id, f.src, f.dst, f.senderNetns, f.receiverNetns])).toEqual([
      [0, 40000, c0?.ipv4, t.dut.netns, c0?.netns],
      [1, 40001, c0?.ipv4, t.dut.netns, c0?.netns],
      [2, 40002, c0?.ipv4, t.dut.netns, c0?.netns],
    ]);
    expect(flows[1]?.description).toBe(`bond -> ${c0?.ipv4}:${PROBE_PORT} from port 40001`);
  });

  it('tells flows apart by address (layer2+3): extra addresses of the first client in the case subnet, one source port', () => {
    const flows = planFlows(t, settings({ flows: 2, vary: 'addresses' }));
    expect(flows.map((f) => [f.dst, f.src, f.receiverNetns])).toEqual([
      [`198.18.${t.subnet}.100`, 40000, c0?.netns],
      [`198.18.${t.subnet}.101`, 40000, c0?.netns],
    ]);
  });

  it('tells flows apart by client (layer2): one flow per client host', () => {
    const flows = planFlows(t, settings({ flows: 3, vary: 'clients' }));
    expect(flows.map((f) => [f.dst, f.receiverNetns])).toEqual([c0, c1, c2].map((c) => [c?.ipv4, c?.netns]));
    expect(new Set(flows.map((f) => f.src))).toEqual(new Set([40000]));
  });

  it('turns round for traffic from the clients: the client sends to the bond address', () => {
    const flows = planFlows(t, settings({ flows: 2, vary: 'clients', direction: 'from-clients' }));
    expect(flows.map((f) => [f.senderNetns, f.receiverNetns, f.dst])).toEqual([
      [c0?.netns, t.dut.netns, t.dut.ipv4],
      [c1?.netns, t.dut.netns, t.dut.ipv4],
    ]);
    expect(flows[0]?.description).toBe(`${c0?.ipv4}:40000 -> bond`);
  });

  it('refuses more client flows than clients, and a topology without clients', () => {
    expect(() => planFlows(t, settings({ flows: 4, vary: 'clients' }))).toThrow(
      /4 flows that vary by client need 4 clients; the topology has 3/,
    );
    expect(() => planFlows(topology(0), settings({ flows: 1 }))).toThrow(/no client host/);
  });

  it('starts probes in each namespace a window sends or receives in, once, over all windows of a case', () => {
    expect(probeNamespaces(t, [{ flows: 2 }, { vary: 'clients', flows: 3, direction: 'from-clients' }])).toEqual([
      c0?.netns,
      t.dut.netns,
      c1?.netns,
      c2?.netns,
    ]);
  });
});
