/**
 * The emulated NIC lab, end to end on real drivers (virtio_net, e1000e) in a VM: a run on
 * the lab's NICs, cable pulls by QMP, 802.3ad with the peer as LACP partner, the management NIC
 * never named, and the NICs' `ip -j link/addr/route` and `ethtool -k` identical before and after a
 * passing run, a failing run, a refused lab, Ctrl-C, and SIGKILL followed by `bondlab cleanup`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../runner/results.js';
import { loadScenarioFiles } from '../scenario/load.js';
import type * as RunCase from '../runner/run-case.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { run } from '../target/target.js';
import {
  MGMT_MAC,
  addressManagementNic,
  asRealLab,
  labOf,
  journalLeft as journalOn,
  networkSnapshot,
} from '../testing/emulated-lab.js';
import { newRunId } from '../topology/names.js';
import { VmTarget } from '../vm/vm-target.js';
import type { Lab } from './lab.js';
import { loadLabText } from './load.js';
import { openLab } from './record.js';
import { sessionRefusal } from './session-nic.js';
import { inspectLab, LabRefusedError, LabSession } from './session.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const sequence = 'fixtures/scenarios-lifecycle/sequence.yaml';
// Cases run in this process on the built modules: the traffic probe the target starts is dist's probe.js.
const { runCase } = (await import(join(process.cwd(), 'dist', 'harness', 'runner', 'run-case.js'))) as typeof RunCase;

describe(`the emulated NIC lab on ${kernel}`, () => {
  let vm: VmTarget;
  let lab: Lab;
  let kernelLog: KernelLogCapture;
  let mgmt: string;
  const snapshot = () => networkSnapshot(vm);
  const journalLeft = (runId: string) => journalOn(vm, runId);
  /** Whether a command line names the management NIC. */
  const namesMgmt = (command: string) => new RegExp(`\\b${mgmt}\\b`).test(command) || command.includes(MGMT_MAC);
  let before: string;

  beforeAll(async () => {
    lab = await labOf('fixtures/labs/emulated.yaml');
    vm = await VmTarget.boot({ kernel, emulatedNics: lab.emulated });
    await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
    mgmt = await addressManagementNic(vm);
    kernelLog = await KernelLogCapture.start(vm);
    before = await snapshot();
  });
  afterAll(async () => {
    await kernelLog?.stop();
    await vm?.close();
  });

  const runOnLab = async (file: string, name?: string) => {
    const { cases, errors } = await loadScenarioFiles([file]);
    expect(errors).toEqual([]);
    const scenarioCase = cases.find((c) => !name || c.name === name);
    if (!scenarioCase) throw new Error(`no case ${name} in ${file}`);
    const runId = newRunId();
    const session = await openLab(vm, lab, runId);
    try {
      return {
        result: await runCase(session.target, scenarioCase, {
          runId,
          caseIndex: 0,
          repetition: 1,
          kernelLog,
          links: session.links(),
        }),
        session,
      };
    } finally {
      await session.close();
    }
  };

  /** A case that must pass outright; the failed checks name themselves. */
  const expectPassed = (result: CaseResult) => {
    expect(result.error).toBeUndefined();
    const failed = result.steps.flatMap((s) =>
      s.checks.filter((c) => !c.passed).map((c) => `step ${s.index}: ${c.name}: ${c.actual}`),
    );
    expect(result.status, failed.join('\n')).toBe('passed');
  };

  it('fails over on a pulled cable (QMP set_link) on virtio-net/e1000e slaves, and gives the NICs back as they were', async () => {
    const { result, session } = await runOnLab('fixtures/scenarios-lab/carrier-loss.yaml');
    expectPassed(result);
    expect(result.steps.find((s) => s.kind === 'fault')?.description).toMatch(/QMP set_link down/);
    // Link training and detection, per NIC and driver: each cable's two NICs had carrier before the
    // next NIC joined the bond, the pull was done when the virtio-net NIC saw it, the plug when it had carrier again.
    expect(result.steps[0]?.description).toMatch(
      /lab NICs had carrier after: p0 peer0 \(virtio_net\) \d+ ms, eth0 dut0 \(virtio_net\) \d+ ms, p1 peer1 \(virtio_net\) \d+ ms, eth1 dut1 \(e1000e\) \d+ ms$/,
    );
    expect(result.steps[2]?.description).toMatch(
      /link detection: eth0 dut0 \(virtio_net\) saw its carrier lost within \d+ ms/,
    );
    expect(result.steps[4]?.description).toMatch(
      /link training: eth0 dut0 \(virtio_net\) had carrier again within \d+ ms/,
    );
    expect(session.facts.map((f) => f.driver)).toEqual(['virtio_net', 'e1000e', 'virtio_net', 'virtio_net']);
    expect(session.facts[0]).toMatchObject({
      busAddress: expect.stringMatching(/^0000:/),
      speed: '1000Mb/s',
      duplex: 'Full',
      permanentMac: '52:54:00:b1:00:00',
    });
    // The management NIC: no command of the run named it.
    expect(session.commands.length).toBeGreaterThan(20);
    expect(session.commands.filter(namesMgmt)).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('flaps a lab NIC by its cable (QMP set_link), and link-up and attach wait for carrier; the NICs given back', async () => {
    const { result, session } = await runOnLab('fixtures/scenarios-lab/flap-link-attach.yaml');
    expectPassed(result);
    // Each flap pulled and plugged cable 0 at both ends, and waited for the NIC to have carrier again.
    const pulls = ['dut0 false', 'peer0 false', 'dut0 true', 'peer0 true'].map((c) => `qmp set_link ${c}`);
    expect(session.commands.filter((c) => /^qmp set_link (dut|peer)0 /.test(c))).toEqual([...pulls, ...pulls]);
    expect(result.steps[2]?.description).toMatch(
      /^flap slave0 \(eth0\): flap eth0 2x every 400 ms by its cable \(link training: eth0 dut0 \(virtio_net\) had carrier again within \d+ ms of the plug; link training: eth0 dut0 \(virtio_net\) had carrier again within \d+ ms of the plug\)$/,
    );
    // link-up and attach were done only once the e1000e had carrier: the bond had it up within 1 s.
    for (const step of [result.steps[6], result.steps[10]])
      expect(step?.description).toMatch(
        /link training: eth1 dut1 \(e1000e\) had carrier again within \d+ ms of the plug$/,
      );
    expect(session.commands.filter(namesMgmt)).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('names a lab NIC that never gets carrier, brings no bond up on it, and gives the NICs back', async () => {
    const qmp = vm.emulatedNics?.qmp;
    if (!qmp) throw new Error('the VM has no emulated NICs');
    // Cable 1 pulled before the run: dut1 never trains (the run's restore plugs it back).
    await qmp.setLink('dut1', false);
    const started = performance.now();
    const { result } = await runOnLab('fixtures/scenarios-lab/carrier-loss.yaml');
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/the lab NIC dut1 \(e1000e\) has no carrier after 10 s/);
    expect(performance.now() - started).toBeGreaterThan(10_000);
    expect(await snapshot()).toBe(before);
  });

  it("runs the Debian guide's scenario (ifenslave -d on a lab NIC)", async () => {
    const { result } = await runOnLab('scenarios/debian-guide.yaml');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(await snapshot()).toBe(before);
  });

  it('gives the NICs back after a failing run', async () => {
    const { result } = await runOnLab('fixtures/scenarios-false/false-claim.yaml');
    expect(result.status).toBe('failed');
    expect(await snapshot()).toBe(before);
  });

  it('refuses the management NIC (default route, an address it did not add) and touches nothing', async () => {
    const loaded = loadLabText(
      `nics:\n  - { label: mgmt, mac: "${MGMT_MAC}" }\nfar:\n  peer:\n    nics: [{ label: p, mac: "52:54:00:b1:01:00" }]\n`,
      'mgmt-lab.yaml',
    );
    if (!('lab' in loaded)) throw new Error('lab expected');
    const error = await openLab(vm, { ...loaded.lab, emulated: lab.emulated }, newRunId()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabRefusedError);
    expect((error as Error).message).toMatch(/mgmt \(\w+\): it carries the default route/);
    expect((error as Error).message).toMatch(/it has address\(es\) bondlab did not add: 192\.0\.2\.2/);
    expect(await snapshot()).toBe(before);
  });

  it('refuses a lab NIC under a VLAN that holds the session address, though the NIC has none itself', async () => {
    const dut1 = (await inspectLab(vm, lab)).nics.find((n) => n.ref.label === 'dut1')?.link.ifname;
    if (!dut1) throw new Error('no dut1 in the lab');
    const session = '198.51.100.7';
    await run(vm, [
      'sh',
      '-ec',
      `ip link add link ${dut1} name blvlan7 type vlan id 7; ip addr add ${session}/24 dev blvlan7`,
    ]);
    try {
      expect((await inspectLab(vm, lab, session)).refusals).toEqual([
        { label: 'dut1', name: dut1, reason: sessionRefusal(session, dut1, 'blvlan7') },
      ]);
      const qmp = vm.emulatedNics?.qmp;
      const error = await LabSession.open(vm, lab, newRunId(), {
        sessionAddress: session,
        ...(qmp ? { qmp } : {}),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LabRefusedError);
      expect((error as Error).message).toContain(`dut1 (${dut1}): blvlan7, which holds ${session}`);
    } finally {
      await run(vm, ['ip', 'link', 'del', 'blvlan7']);
    }
    expect(await snapshot()).toBe(before);
  });

  it('negotiates 802.3ad with the peer as LACP partner and fails over inside the aggregator', async () => {
    const { result, session } = await runOnLab(
      'scenarios/suite/documented-claims.yaml',
      'lacp-negotiation-and-failover',
    );
    expect(result.error).toBeUndefined();
    // The negotiation (LACP states, one aggregator, the peer as partner) must pass outright.
    expect(result.steps[1]?.checks.map((c) => [c.name, c.passed]).filter(([, passed]) => !passed)).toEqual([]);
    // The traffic claims may be inconclusive when the guest starves the probe, but never failed.
    const failed = result.steps.flatMap((s) =>
      s.checks
        .filter((c) => !c.passed && c.disturbed === undefined)
        .map((c) => `step ${s.index}: ${c.name}: ${c.actual}`),
    );
    expect(failed).toEqual([]);
    expect(['passed', 'inconclusive']).toContain(result.status);
    expect(session.facts.map((f) => [f.driver, f.speed, f.duplex])).toEqual([
      ['virtio_net', '1000Mb/s', 'Full'],
      ['e1000e', '1000Mb/s', 'Full'],
      ['virtio_net', '1000Mb/s', 'Full'],
      ['virtio_net', '1000Mb/s', 'Full'],
    ]);
    expect(session.commands.filter(namesMgmt)).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  /**
   * `bondlab run --target host --lab` inside the guest, on a lab file that names the emulated NICs
   * as real ones (by permanent MAC), so that the guest outlives the run and its NICs can be
   * compared after a signal. `stop(out)` is the shell that runs once the long case is 15 s into its 60 s wait.
   */
  const stoppedRun = async (tag: string, stop: (out: string) => string) => {
    const labFile = `/tmp/bondlab-lab-test-${tag}.yaml`;
    const out = `/tmp/bondlab-lab-test-${tag}`;
    await run(vm, ['sh', '-c', `cat > ${labFile}`], { input: asRealLab(lab) });
    const script = `
CI=true ${process.execPath} ${cli} run --target host --lab ${labFile} ${sequence} -o ${out} >${out}.log 2>&1 &
pid=$!
i=0
until grep -q '\\[2/3\\] lifecycle-long: start' ${out}.log; do
  sleep 0.5; i=$((i+1)); [ $i -lt 1200 ] || { echo "the long case did not start"; cat ${out}.log; exit 3; }
done
sleep 15
${stop(out)}
`;
    const result = await run(vm, ['sh', '-c', script], { cwd: process.cwd(), timeoutMs: 900_000 });
    return { stdout: result.stdout, out };
  };

  it('gives the NICs back after Ctrl-C mid-case (SIGINT to bondlab run), and no command named the management NIC', async () => {
    const { stdout, out } = await stoppedRun(
      'sigint',
      (dir) => `kill -INT $pid; wait $pid; echo "exit=$?"; cat ${dir}.log`,
    );
    expect(stdout).toMatch(/^exit=130$/m);
    expect(stdout).toMatch(/bondlab: stopped by SIGINT during lifecycle-long/);
    const file = /^bondlab: stopped by SIGINT during lifecycle-long;.* results: (\S+results\.json)$/m.exec(stdout)?.[1];
    expect(file, stdout).toBeDefined();
    expect(file?.startsWith(out)).toBe(true);
    const results = JSON.parse((await vm.readFile(file ?? '')).toString('utf8')) as RunResult;
    expect(results.cases.map((c) => [c.name, c.status])).toEqual([
      ['lifecycle-first', 'passed'],
      ['lifecycle-long', 'interrupted'],
    ]);
    expect(results.lab?.restoreError).toBeUndefined();
    expect(results.lab?.commands.length).toBeGreaterThan(20);
    expect(results.lab?.commands.filter(namesMgmt)).toEqual([]);
    expect(await journalLeft(results.runId)).toBe('');
    expect(await snapshot()).toBe(before);
  }, 900_000);

  it('gives the NICs back after SIGKILL and bondlab cleanup (from the journal), and no command named the management NIC', async () => {
    const { stdout, out } = await stoppedRun('sigkill', (dir) =>
      [
        'kill -KILL $pid; wait $pid; echo "exit=$?"',
        `cat "$(ls -t /var/lib/bondlab/lab/*.json | head -1)" > ${dir}.journal.json`,
        `CI=true ${process.execPath} ${cli} cleanup --json > ${dir}.cleanup.json; echo "cleanup=$?"`,
      ].join('\n'),
    );
    expect(stdout).toMatch(/^exit=137$/m);
    const read = async <T>(file: string) => JSON.parse((await vm.readFile(file)).toString('utf8')) as T;
    const journal = await read<{ runId: string; nics: { permanentMac: string }[] }>(`${out}.journal.json`);
    expect(journal.nics.map((n) => n.permanentMac).sort()).toEqual(
      [...lab.nics, ...(lab.far.kind === 'peer' ? lab.far.nics : [])].map((n) => n.mac).sort(),
    );
    const cleanup = await read<{ labs: { journal: string; problems: string[] }[]; labCommands: string[] }>(
      `${out}.cleanup.json`,
    );
    // Only this run's journal counts: the guest sees the host's root, which may hold others.
    expect(cleanup.labs.filter((l) => l.journal.endsWith(`/${journal.runId}.json`))).toEqual([
      { journal: `/var/lib/bondlab/lab/${journal.runId}.json`, nics: expect.any(Array), problems: [] },
    ]);
    expect(cleanup.labCommands.length).toBeGreaterThan(4);
    expect(cleanup.labCommands.filter(namesMgmt)).toEqual([]);
    expect(await journalLeft(journal.runId)).toBe('');
    expect(await snapshot()).toBe(before);
  }, 900_000);
});
