import { describe, expect, it } from 'vitest';
import { faultCommands, inflict } from '../fault/faults.js';
import type { Target } from '../target/target.js';
import { buildScript } from '../topology/topology.js';
import { PulledCables } from './pulled-cables.js';
import type { LabLinks } from './session.js';

const links = (setCarrier?: LabLinks['setCarrier']): LabLinks => ({
  dutNics: ['eth3', 'eth4'],
  peerNics: ['eth0', 'eth1'],
  setCarrier,
  restore: async () => undefined,
  pulled: new PulledCables(),
});
const request = (l: LabLinks) => ({
  runId: 'abc1234',
  caseIndex: 0,
  bond: { mode: 'active-backup' as const, options: { miimon: 100 } },
  topology: { slaves: 2, farSide: 'switch' as const, clients: 1, arpTarget: false },
  links: l,
});

describe('lab links in the topology', () => {
  const { script, topology } = buildScript(request(links()));

  it('moves the lab NICs into the case namespaces instead of making veth pairs for the slaves', () => {
    expect(script).not.toMatch(/netns bondlab-abc1234-0-dut type veth/);
    expect(script).toMatch(
      /link set dev eth3 netns bondlab-abc1234-0-dut\nlink set dev eth4 netns bondlab-abc1234-0-dut\n/,
    );
    expect(script).toMatch(
      /link set dev eth0 netns bondlab-abc1234-0-far\nlink set dev eth1 netns bondlab-abc1234-0-far\n/,
    );
    // Through temporary names: eth3 -> eth0 while eth0 could still exist would fail.
    expect(script).toMatch(
      /link set dev eth3 name bltmp0\nlink set dev eth4 name bltmp1\nlink set dev bltmp0 name eth0\nlink set dev bltmp1 name eth1/,
    );
    expect(script).toMatch(
      /link set dev eth0 name bltmp0\nlink set dev eth1 name bltmp1\nlink set dev bltmp0 name p0\nlink set dev bltmp1 name p1/,
    );
    expect(topology.dut.slaves).toEqual(['eth0', 'eth1']);
  });

  it('leaves the other faults to the usual commands, on the renamed NICs', () => {
    const built = { ...topology, dut: { ...topology.dut, holderPid: 1 } };
    expect(faultCommands(built, { kind: 'link-down', slave: { index: 0 } }, 'eth0')[0]?.argv).toEqual([
      'ip',
      '-n',
      'bondlab-abc1234-0-dut',
      'link',
      'set',
      'eth0',
      'down',
    ]);
  });

  it('pulls an emulated cable through the lab, timed on the target clock', async () => {
    const pulls: [number, boolean][] = [];
    const built = {
      ...buildScript(request(links(async (i, up) => (pulls.push([i, up]), `cable ${i}`)))).topology,
      dut: { ...topology.dut, holderPid: 1 },
    };
    let clock = 10n;
    const target = {
      clockNs: async () => (clock += 5n),
      // Only the wait for the DUT NIC to see its carrier go.
      exec: async (argv: string[]) => {
        expect(argv.slice(0, 4)).toEqual(['ip', 'netns', 'exec', 'bondlab-abc1234-0-dut']);
        return { exitCode: 0, stdout: 'bondlab-carrier eth1 0\n', stderr: '', timedOut: false };
      },
    } as unknown as Target;
    const event = await inflict(target, built, { kind: 'carrier-off', slave: { index: 1 } }, 'eth1');
    expect(pulls).toEqual([[1, false]]);
    expect(event).toMatchObject({
      fault: 'carrier-off',
      slave: 'eth1',
      startNs: 15n,
      endNs: 20n,
      detail: 'cable 1 (carrier lost on eth1); link detection: eth1 saw its carrier lost within 0 ms of the pull',
    });
  });
});
