/**
 * The field side of labs without a machine: the cabling probe's reading of tcpdump, the switch's
 * port hooks (real sh commands), a switch lab's topology (its uplink instead of far ports), and
 * what a switch lab refuses.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildScript } from '../topology/topology.js';
import { cablingRows, patternsSeen, probePattern } from './cabling.js';
import { farSideRefusal, type SwitchSide } from './lab.js';
import { loadLabFile, loadLabText } from './load.js';
import { PulledCables } from './pulled-cables.js';
import type { LabLinks } from './session.js';
import { hookCommand, switchControl } from './switch.js';

describe('the cabling probe', () => {
  const patterns = [probePattern('0a1b2c3d', 0), probePattern('0a1b2c3d', 1)];
  // Two echo requests as tcpdump -e -x prints them: eth0's pattern arrived on peer1, eth1's on peer0.
  const packet = (src: string, pattern: string) => {
    const payload = `0000000000000000${pattern.repeat(5)}`;
    const hex =
      `60000000004 03a01fe800000000000000000000000000000ff020000000000000000000000000001 8000123404d20001${payload}`
        .replace(/ /g, '')
        .match(/.{1,32}/g)
        ?.map((line, i) => `\t0x${(i * 16).toString(16).padStart(4, '0')}:  ${line.match(/.{1,4}/g)?.join(' ')}`)
        .join('\n');
    return `18:41:02.123456 ${src} > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 118: fe80::1 > ff02::1: ICMP6, echo request, id 4660, seq 1, length 64\n${hex}`;
  };
  const text = [
    'carrier eth3 1',
    'carrier eth4 1',
    '== eth5',
    packet('52:54:00:b1:00:01', patterns[1] ?? ''),
    '== eth6',
    packet('52:54:00:b1:00:00', patterns[0] ?? ''),
    packet('52:54:00:b1:00:00', patterns[0] ?? ''),
  ].join('\n');

  it('finds each pattern in the packet bytes, across tcpdump words and lines', () => {
    const seen = patternsSeen(text, patterns);
    expect([...(seen.get('eth5') ?? [])]).toEqual([patterns[1]]);
    expect([...(seen.get('eth6') ?? [])]).toEqual([patterns[0]]);
    expect(patternsSeen(text, [probePattern('ffffffff', 0)]).get('eth5')?.size).toBe(0);
  });

  const peers = [
    { label: 'peer0', name: 'eth5' },
    { label: 'peer1', name: 'eth6' },
  ];
  const dut = [
    { label: 'left', name: 'eth3', carrier: true },
    { label: 'right', name: 'eth4', carrier: true },
  ];

  it('shows mis-cabling as a finding', () => {
    const rows = cablingRows(dut, peers, patterns, patternsSeen(text, patterns));
    expect(rows.map((r) => r.status)).toEqual(['miscabled', 'miscabled']);
    expect(rows[0]?.detail).toBe('left: mis-cabled: the lab says left <-> peer0, the probe from left arrived on peer1');
    expect(rows[0]?.seenOn).toEqual(['peer1']);
  });

  it('passes the cabling the lab describes, and says when a NIC had no link or was not heard', () => {
    const swapped = [peers[1], peers[0]] as typeof peers;
    const seen = patternsSeen(text, patterns);
    expect(cablingRows(dut, swapped, patterns, seen).map((r) => r.detail)).toEqual([
      'left <-> peer1',
      'right <-> peer0',
    ]);
    const quiet = cablingRows(
      [{ ...dut[0], carrier: false } as (typeof dut)[0], dut[1] as (typeof dut)[0]],
      swapped,
      patterns,
      new Map(),
    );
    expect(quiet.map((r) => [r.status, r.detail])).toEqual([
      ['no-link', 'left: no link, not probed'],
      ['not-seen', 'right: its probe arrived on no peer NIC (the lab says right <-> peer0)'],
    ]);
  });
});

describe("a switch's port hooks", () => {
  const far: SwitchSide = {
    kind: 'switch',
    ports: ['Ethernet1/1', 'Ethernet1/2'],
    groups: [],
    shut: 'echo "shut {port}"',
    noShut: 'echo "no shut {port}"; echo "{port} is up" >&2',
  };

  it("replaces {port} with the cable's port", () => {
    expect(hookCommand(far, 1, false)).toEqual({ port: 'Ethernet1/2', command: 'echo "shut Ethernet1/2"' });
    expect(() => hookCommand(far, 2, false)).toThrow(/no port for cable 2/);
  });

  it('runs the hooks with sh, keeps their output, journals shut ports and re-opens them at restore', async () => {
    const log: string[] = [];
    const journaled: number[][] = [];
    const control = switchControl(far, log, async (shut) => {
      journaled.push(shut);
    });
    expect(await control.setCarrier(0, false)).toBe(
      'switch port Ethernet1/1 shut: echo "shut Ethernet1/1" -> shut Ethernet1/1',
    );
    expect(await control.setCarrier(1, false)).toMatch(/^switch port Ethernet1\/2 shut/);
    expect(await control.setCarrier(1, true)).toBe(
      'switch port Ethernet1/2 no-shut: echo "no shut Ethernet1/2"; echo "Ethernet1/2 is up" >&2 -> no shut Ethernet1/2\nEthernet1/2 is up',
    );
    expect(journaled).toEqual([[0], [0, 1], [0]]);
    expect(await control.reopen()).toEqual([]);
    expect(journaled.at(-1)).toEqual([]);
    expect(log).toEqual([
      '[local] echo "shut Ethernet1/1"',
      '[local] echo "shut Ethernet1/2"',
      '[local] echo "no shut Ethernet1/2"; echo "Ethernet1/2 is up" >&2',
      '[local] echo "no shut Ethernet1/1"; echo "Ethernet1/1 is up" >&2',
    ]);
  });

  it('fails the step with what the hook said when it fails', async () => {
    const control = switchControl(
      { ...far, shut: 'echo "% Invalid interface {port}"; exit 3' },
      [],
      async () => undefined,
    );
    await expect(control.setCarrier(0, false)).rejects.toThrow(
      /the switch's shut hook for port Ethernet1\/1 failed \(exit 3\): .*: % Invalid interface Ethernet1\/1/,
    );
  });
});

describe('a switch lab', () => {
  it('needs an uplink for its clients, and takes only plain port names', () => {
    const text = (extra: string) =>
      `nics: [{ label: a, mac: "52:54:00:00:00:01" }]\nfar:\n  switch:\n    ports: [${extra}]\n    shut: "x {port}"\n    no-shut: "y {port}"\n`;
    const loaded = loadLabText(text('e1'), 'lab.yaml');
    expect('errors' in loaded && loaded.errors[0]).toMatchObject({
      line: 4,
      field: 'far.switch',
      message: expect.stringMatching(/a switch lab needs an "uplink" NIC/),
    });
    const quoted = loadLabText(text('"e1;reboot"'), 'lab.yaml');
    expect('errors' in quoted && quoted.errors[0]).toMatchObject({
      line: 4,
      field: 'far.switch.ports[0]',
      message: expect.stringMatching(/a switch port name/),
    });
  });

  it('runs scenarios whose far side its port group has, and refuses LACP on static or plain ports', async () => {
    const loaded = await loadLabFile('fixtures/labs/lacp-switch.yaml');
    if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.lab.far).toMatchObject({ kind: 'switch', uplink: { label: 'eno1', mac: 'b4:96:91:00:00:10' } });
    expect(farSideRefusal(loaded.lab, 'lacp', 2)).toBeUndefined();
    if (loaded.lab.far.kind !== 'switch') throw new Error('a switch lab expected');
    const withGroups = (groups: SwitchSide['groups']) => ({ ...loaded.lab, far: { ...far, groups } });
    const far = loaded.lab.far;
    expect(farSideRefusal(withGroups([{ ports: far.ports, lag: 'static' }]), 'lacp', 2)).toMatch(
      /needs a far side of lacp; .* are a static LAG/,
    );
    expect(farSideRefusal(withGroups([]), 'lacp', 2)).toMatch(/are plain ports/);
    expect(farSideRefusal(withGroups([]), 'switch', 2)).toBeUndefined();
  });

  it('builds the bond on the test NICs and the far side as a bridge with the uplink, no far LAG', () => {
    const links: LabLinks = {
      dutNics: ['ens1f0', 'ens1f1'],
      peerNics: [],
      uplink: 'eno1',
      restore: async () => undefined,
      pulled: new PulledCables(),
    };
    const { script, topology } = buildScript({
      runId: 'abc1234',
      caseIndex: 0,
      bond: { mode: '802.3ad', options: { miimon: 100 } },
      topology: { slaves: 2, farSide: 'lacp', clients: 1, arpTarget: false },
      links,
    });
    expect(topology.far.ports).toEqual([]);
    expect(topology.far.lag).toBeUndefined();
    expect(script).not.toMatch(/lag0/);
    expect(script).toMatch(/link set dev eno1 netns bondlab-abc1234-0-far\n/);
    expect(script).toMatch(/link set dev eno1 name up0\nlink set dev up0 master br0\nlink set dev up0 up/);
    expect(script).toMatch(/link set dev ens1f0 netns bondlab-abc1234-0-dut/);
  });

  it('is what the README shows', async () => {
    const readme = await readFile('README.md', 'utf8');
    for (const file of ['lacp-switch', 'back-to-back']) {
      const text = await readFile(`fixtures/labs/${file}.yaml`, 'utf8');
      expect(readme).toContain(
        text
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n')
          .trim(),
      );
    }
  });
});
