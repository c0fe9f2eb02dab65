/**
 * The field side of the NIC lab on real drivers in a VM: the cabling probe (a lab described as
 * cabled, and one deliberately described with its peers swapped), and a switch far side whose
 * shut/no-shut hooks are real commands run by bondlab: a script that plays the switch's
 * management plane and pulls the emulated cable of the port through QEMU's spare QMP monitor.
 * The "switch" itself is a bridge over the peer NICs in a namespace the test makes; the lab's
 * third NIC is its uplink, so the clients' traffic crosses the switch.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { runCase as runCaseType } from '../runner/run-case.js';
import { loadScenarioFiles } from '../scenario/load.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { run } from '../target/target.js';
import { newRunId } from '../topology/names.js';
import { VmTarget } from '../vm/vm-target.js';
import { probeCabling } from './cabling.js';
import type { Lab } from './lab.js';
import { loadLabText } from './load.js';
import { openLab } from './record.js';
import { inspectLab } from './session.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const CABLES = [
  { dut: 'e1000e', peer: 'virtio-net-pci' },
  { dut: 'e1000', peer: 'virtio-net-pci' },
  { dut: 'virtio-net-pci', peer: 'virtio-net-pci' },
] as const;
const SWITCH_NS = 'bltest-switch';
const dutMac = (i: number) => `52:54:00:b1:00:0${i}`;
const peerMac = (i: number) => `52:54:00:b1:01:0${i}`;

function lab(text: string): Lab {
  const loaded = loadLabText(text, 'field-lab.yaml');
  if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
  return loaded.lab;
}

/** Two cables, the peers listed in `order`. */
const backToBack = (order: number[]) =>
  lab(
    `nics:\n${[0, 1].map((i) => `  - { label: dut${i}, mac: "${dutMac(i)}" }`).join('\n')}\nfar:\n  peer:\n    nics:\n${order.map((i) => `      - { label: peer${i}, mac: "${peerMac(i)}" }`).join('\n')}\n`,
  );

describe(`the NIC lab's field side on ${kernel}`, () => {
  let vm: VmTarget;
  const snapshot = async () =>
    (await run(vm, ['sh', '-c', 'ip -j link show; ip -j addr show; ip -j route show; ip -j -6 route show'])).stdout;

  beforeAll(async () => {
    vm = await VmTarget.boot({ kernel, emulatedNics: [...CABLES] });
    await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
  });
  afterAll(async () => {
    await vm?.close();
  });

  it('probes the cabling, brings down NICs up only for the probe, and shows a mis-described lab as a finding', async () => {
    const before = await snapshot();
    const right = backToBack([0, 1]);
    const probed = await probeCabling(vm, right, await inspectLab(vm, right), newRunId());
    expect(probed).toMatchObject({ probed: true });
    if (!probed.probed) return;
    expect(probed.rows.map((r) => [r.status, r.detail])).toEqual([
      ['ok', 'dut0 <-> peer0'],
      ['ok', 'dut1 <-> peer1'],
    ]);
    expect(await snapshot()).toBe(before);

    const wrong = backToBack([1, 0]);
    const miscabled = await probeCabling(vm, wrong, await inspectLab(vm, wrong), newRunId());
    if (!miscabled.probed) throw new Error(miscabled.reason);
    expect(miscabled.rows.map((r) => [r.status, r.detail])).toEqual([
      ['miscabled', 'dut0: mis-cabled: the lab says dut0 <-> peer1, the probe from dut0 arrived on peer0'],
      ['miscabled', 'dut1: mis-cabled: the lab says dut1 <-> peer0, the probe from dut1 arrived on peer1'],
    ]);
    expect(await snapshot()).toBe(before);
  }, 1_200_000);

  it('runs the switch hooks for carrier-off/on, timed on the target clock, their output in the step, and gives everything back', async () => {
    const links = JSON.parse((await run(vm, ['ip', '-j', 'link', 'show'])).stdout) as {
      ifname: string;
      address: string;
    }[];
    const peers = [0, 1, 2].map((i) => links.find((l) => l.address === peerMac(i))?.ifname ?? `missing-${i}`);
    await run(vm, [
      'sh',
      '-ec',
      [
        `ip netns add ${SWITCH_NS}`,
        `ip -n ${SWITCH_NS} link add br0 type bridge stp_state 0 forward_delay 0`,
        ...peers.flatMap((p) => [
          `ip link set dev ${p} netns ${SWITCH_NS}`,
          `ip -n ${SWITCH_NS} link set dev ${p} master br0`,
          `ip -n ${SWITCH_NS} link set dev ${p} up`,
        ]),
        `ip -n ${SWITCH_NS} link set dev br0 up`,
      ].join('\n'),
    ]);
    try {
      const hook = (state: string) =>
        `${process.execPath} ${resolve('fixtures/labs/qmp-switch.mjs')} ${vm.emulatedNics?.spareQmpPath ?? ''} {port} ${state}`;
      const switchLab = lab(
        `nics:\n  - { label: dut0, mac: "${dutMac(0)}" }\n  - { label: dut1, mac: "${dutMac(1)}" }\nfar:\n  switch:\n    ports: [peer0, peer1]\n    uplink: { label: uplink, mac: "${dutMac(2)}" }\n    shut: "${hook('down')}"\n    no-shut: "${hook('up')}"\n`,
      );
      const before = await snapshot();
      const { cases, errors } = await loadScenarioFiles(['fixtures/scenarios-lab/switch-failover.yaml']);
      expect(errors).toEqual([]);
      const scenarioCase = cases[0];
      if (!scenarioCase) throw new Error('no case');
      const runId = newRunId();
      // From dist/: the traffic probe is a built file found beside the module that starts it.
      const { runCase } = (await import(join(process.cwd(), 'dist', 'harness', 'runner', 'run-case.js'))) as {
        runCase: typeof runCaseType;
      };
      const kernelLog = await KernelLogCapture.start(vm);
      const session = await openLab(vm, switchLab, runId);
      let result: Awaited<ReturnType<typeof runCaseType>>;
      try {
        result = await runCase(session.target, scenarioCase, {
          runId,
          caseIndex: 0,
          repetition: 1,
          kernelLog,
          links: session.links(),
        });
      } finally {
        await session.close();
        await kernelLog.stop();
      }
      expect(result.error).toBeUndefined();
      const failed = result.steps.flatMap((s) =>
        s.checks.filter((c) => !c.passed).map((c) => `step ${s.index}: ${c.name}: ${c.actual}`),
      );
      expect(result.status, failed.join('\n')).toBe('passed');
      const faults = result.steps.filter((s) => s.kind === 'fault').map((s) => s.description);
      expect(faults[0]).toMatch(/switch port peer0 shut: .*qmp-switch\.mjs .* peer0 down -> port peer0 shutdown/);
      expect(faults[1]).toMatch(/switch port peer0 no-shut: .* -> port peer0 no shutdown/);
      expect(session.commands.filter((c) => c.startsWith('[local] '))).toHaveLength(2);
      expect(session.facts.map((f) => [f.role, f.driver])).toEqual([
        ['dut', 'e1000e'],
        ['dut', 'e1000'],
        ['uplink', 'virtio_net'],
      ]);
      expect(await snapshot()).toBe(before);
    } finally {
      await run(vm, ['ip', 'netns', 'del', SWITCH_NS]);
    }
  }, 1_200_000);
});
