import { describe, expect, it } from 'vitest';
import { labOf } from '../testing/emulated-lab.js';
import { emulatedLayout, emulatedNicArgs, emulatedNicModules } from '../vm/emulated-nics.js';
import { farSideRefusal } from './lab.js';
import { loadLabFile, loadLabText } from './load.js';

const errorsOf = (text: string) => {
  const loaded = loadLabText(text, 'lab.yaml');
  if ('lab' in loaded) throw new Error('expected errors, got a lab');
  return loaded.errors;
};

describe('lab files', () => {
  it('reads the shipped example labs', async () => {
    for (const file of ['emulated', 'back-to-back', 'lacp-switch']) {
      const loaded = await loadLabFile(`fixtures/labs/${file}.yaml`);
      expect('lab' in loaded ? loaded.lab.nics.length : loaded.errors).toBe(2);
    }
  });

  it('an emulated lab names its NICs by the MACs the VM gives them', () => {
    const loaded = loadLabText(
      'emulated:\n  cables:\n    - { dut: e1000e }\n    - { dut: virtio-net-pci, peer: e1000 }\n',
      'lab.yaml',
    );
    if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.lab.nics.map((n) => n.mac)).toEqual(['52:54:00:b1:00:00', '52:54:00:b1:00:01']);
    expect(loaded.lab.far).toEqual({
      kind: 'peer',
      nics: [
        { label: 'peer0', mac: '52:54:00:b1:01:00' },
        { label: 'peer1', mac: '52:54:00:b1:01:01' },
      ],
    });
    expect(loaded.lab.emulated).toEqual([
      { dut: 'e1000e', peer: 'virtio-net-pci' },
      { dut: 'virtio-net-pci', peer: 'e1000' },
    ]);
    expect(loaded.lab.machine).toEqual({ kind: 'local' });
  });

  it('accepts an ssh machine and PCI addresses', () => {
    const loaded = loadLabText(
      'machine: { ssh: root@dut }\nnics:\n  - { label: a, pci: "0000:03:00.0" }\nfar:\n  peer:\n    nics: [{ label: b, mac: "AA:bb:cc:dd:ee:ff" }]\n',
      'lab.yaml',
    );
    if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.lab.machine).toEqual({ kind: 'ssh', destination: 'root@dut' });
    expect(loaded.lab.far).toEqual({ kind: 'peer', nics: [{ label: 'b', mac: 'aa:bb:cc:dd:ee:ff' }] });
  });

  const bad: [string, string, { line: number; column: number; field: string; message: RegExp }][] = [
    [
      'unknown key',
      'emulated:\n  cabels: []\n',
      { line: 2, column: 3, field: 'emulated.cabels', message: /unknown key "cabels"; expected one of: cables/ },
    ],
    [
      'unknown driver',
      'emulated:\n  cables:\n    - { dut: tulip }\n',
      {
        line: 3,
        column: 14,
        field: 'emulated.cables[0].dut',
        message: /expected one of e1000e, e1000, virtio-net-pci; got "tulip"/,
      },
    ],
    [
      'a MAC that is none',
      'nics:\n  - { label: a, mac: "52:54:00:zz:00:00" }\nfar: { peer: { nics: [{ label: b, mac: "52:54:00:00:00:01" }] } }\n',
      { line: 2, column: 22, field: 'nics[0].mac', message: /a MAC address such as/ },
    ],
    [
      'neither MAC nor PCI',
      'nics:\n  - { label: a }\nfar: { peer: { nics: [{ label: b, mac: "52:54:00:00:00:01" }] } }\n',
      { line: 2, column: 5, field: 'nics[0]', message: /by its permanent MAC \("mac"\) or its PCI address/ },
    ],
    [
      'one NIC twice',
      'nics:\n  - { label: a, mac: "52:54:00:00:00:01" }\nfar: { peer: { nics: [{ label: b, mac: "52:54:00:00:00:01" }] } }\n',
      {
        line: 3,
        column: 35,
        field: 'far.peer.nics[0].mac',
        message: /mac 52:54:00:00:00:01 is also given at nics\[0\]/,
      },
    ],
    [
      'peer count',
      'nics:\n  - { label: a, mac: "52:54:00:00:00:01" }\n  - { label: c, mac: "52:54:00:00:00:03" }\nfar:\n  peer:\n    nics: [{ label: b, mac: "52:54:00:00:00:02" }]\n',
      { line: 6, column: 11, field: 'far.peer.nics', message: /1 peer NIC\(s\) for 2 test NIC\(s\)/ },
    ],
    [
      'hook without {port}',
      'nics: [{ label: a, mac: "52:54:00:00:00:01" }]\nfar:\n  switch: { ports: [e1], shut: "shut e1", no-shut: "no shut {port}" }\n',
      { line: 3, column: 32, field: 'far.switch.shut', message: /a command with \{port\} in it/ },
    ],
    [
      'group port not on the switch',
      'nics: [{ label: a, mac: "52:54:00:00:00:01" }]\nfar:\n  switch:\n    ports: [e1]\n    groups: [{ ports: [e2], lag: lacp }]\n    shut: "x {port}"\n    no-shut: "y {port}"\n',
      {
        line: 5,
        column: 24,
        field: 'far.switch.groups[0].ports[0]',
        message: /port e2 is not one of the switch's ports \(e1\)/,
      },
    ],
    [
      'emulated with nics',
      'emulated: { cables: [{ dut: e1000e }] }\nnics: [{ label: a, mac: "52:54:00:00:00:01" }]\n',
      { line: 2, column: 1, field: 'nics', message: /an emulated lab's NICs and far side are its cables/ },
    ],
    [
      'no far side',
      'nics: [{ label: a, mac: "52:54:00:00:00:01" }]\n',
      { line: 1, column: 1, field: '', message: /missing key "far"/ },
    ],
    ['YAML syntax', 'nics: [\n', { line: 2, column: 1, field: '', message: /^YAML: / }],
    [
      'a tag',
      'emulated: !!binary aGVsbG8=\n',
      { line: 1, column: 20, field: 'emulated', message: /YAML tag !!binary is not accepted/ },
    ],
  ];
  for (const [name, text, want] of bad) {
    it(`refuses ${name} with file, line, column and field`, () => {
      const errors = errorsOf(text);
      expect(errors[0]).toMatchObject({ file: 'lab.yaml', line: want.line, column: want.column, field: want.field });
      expect(errors[0]?.message).toMatch(want.message);
    });
  }

  it('gives the CI lab a virtio-net DUT NIC (speed and duplex set) before its e1000e, and keeps the e1000 lab', async () => {
    const ci = await labOf('fixtures/labs/emulated.yaml');
    const layout = emulatedLayout(ci.emulated ?? []);
    // The e1000e last: the checksum QEMU's e1000e writes into a broadcast bond's shared buffer reaches no other slave.
    expect(emulatedNicArgs(layout).filter((a) => /id=dut\d/.test(a))).toEqual([
      'virtio-net-pci,netdev=c0a,mac=52:54:00:b1:00:00,id=dut0,romfile=,speed=1000,duplex=full',
      'e1000e,netdev=c1a,mac=52:54:00:b1:00:01,id=dut1,romfile=',
    ]);
    expect(emulatedNicModules(layout)).toEqual(['virtio_net', 'e1000e']);
    expect((await labOf('fixtures/labs/emulated-e1000.yaml')).emulated).toEqual([
      { dut: 'e1000e', peer: 'virtio-net-pci' },
      { dut: 'e1000', peer: 'virtio-net-pci' },
    ]);
  });

  it('refuses a scenario the lab cannot carry', async () => {
    const loaded = await loadLabFile('fixtures/labs/emulated.yaml');
    if (!('lab' in loaded)) throw new Error('no lab');
    expect(farSideRefusal(loaded.lab, 'lacp', 2)).toBeUndefined();
    expect(farSideRefusal(loaded.lab, 'switch', 3)).toMatch(
      /needs 3 slaves; the lab fixtures\/labs\/emulated.yaml has 2 test NIC/,
    );
    const sw = await loadLabFile('fixtures/labs/lacp-switch.yaml');
    if (!('lab' in sw)) throw new Error('no lab');
    expect(farSideRefusal(sw.lab, 'static-lag', 2)).toMatch(
      /needs a far side of static-lag; the switch ports Ethernet1\/1, Ethernet1\/2 .* are a lacp LAG/,
    );
  });
});
