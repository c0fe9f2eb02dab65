import { describe, expect, it } from 'vitest';
import { inflict } from '../fault/faults.js';
import type { ExecResult, Target } from '../target/target.js';
import { buildScript, type Topology } from '../topology/topology.js';
import { PulledCables } from './pulled-cables.js';
import type { LabLinks } from './session.js';

/** A case's topology on a lab whose session keeps `pulled`. */
const labTopology = (pulled: PulledCables): Topology => {
  const links: LabLinks = {
    dutNics: ['ens3', 'ens4'],
    peerNics: ['ens5', 'ens6'],
    setCarrier: async (i, up) => `cable ${i} ${up ? 'plugged' : 'pulled'}`,
    restore: async () => undefined,
    pulled,
  };
  const { topology } = buildScript({
    runId: 'abc1234',
    caseIndex: 0,
    bond: { mode: 'active-backup', options: { miimon: 100 } },
    topology: { slaves: 2, farSide: 'switch', clients: 1, arpTarget: false },
    links,
  });
  return { ...topology, dut: { ...topology.dut, holderPid: 1 } };
};

/** A target whose NICs always have carrier; `waits` collects the carrier waits it was asked for. */
const carrierTarget = (waits: string[]): Target =>
  ({
    clockNs: async () => 1_000_000n,
    exec: async (argv: string[]): Promise<ExecResult> => {
      const nic = /\/sys\/class\/net\/(\w+)\/carrier/.exec(argv.at(-1) ?? '')?.[1];
      if (nic) waits.push(nic);
      return {
        exitCode: 0,
        stdout: nic ? `bondlab-carrier ${nic} 5\n` : '',
        stderr: '',
        timedOut: false,
      } as ExecResult;
    },
  }) as unknown as Target;

describe("a lab session's record of pulled cables", () => {
  it('notes pulls and plugs per cable and forgets them all on clear', () => {
    const pulled = new PulledCables();
    pulled.note(1, true);
    pulled.note(0, true);
    pulled.note(0, false);
    expect([pulled.has(0), pulled.has(1)]).toEqual([false, true]);
    pulled.clear();
    expect(pulled.has(1)).toBe(false);
  });

  it("is the session's own: a cable pulled in one session leaves another's link-up waiting for carrier", async () => {
    const first = new PulledCables();
    const second = new PulledCables();
    const waits: string[] = [];
    const target = carrierTarget(waits);
    await inflict(target, labTopology(first), { kind: 'carrier-off', slave: { index: 1 } }, 'eth1');
    expect(first.has(1)).toBe(true);
    expect(second.has(1)).toBe(false);
    waits.length = 0;
    // The other session's cable 1 is in: its link-up waits for the NIC's carrier.
    const other = await inflict(target, labTopology(second), { kind: 'link-up', slave: { index: 1 } }, 'eth1');
    expect(waits).toEqual(['eth1']);
    expect(other.detail).toMatch(/link training: eth1 had carrier again within \d+ ms of the plug/);
    waits.length = 0;
    // The first session's cable is still out, also in a later topology of the same session: nothing is waited for.
    const own = await inflict(target, labTopology(first), { kind: 'link-up', slave: { index: 1 } }, 'eth1');
    expect(waits).toEqual([]);
    expect(own.detail).toBe('ip link set eth1 up');
    await inflict(target, labTopology(first), { kind: 'carrier-on', slave: { index: 1 } }, 'eth1');
    expect(first.has(1)).toBe(false);
  });
});
