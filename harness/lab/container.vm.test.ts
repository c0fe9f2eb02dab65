/**
 * A lab on the container target, on real drivers: the engine's VM carries the emulated lab's NICs
 * (virtio_net, e1000e), each case gets them in the privileged container's namespace, and
 * they come back to the VM's root namespace as they were: after a passing run, and after SIGKILL
 * plus `bondlab cleanup`. Bad combinations exit 2 before anything is touched.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import { ContainerTarget, listContainers } from '../container/container-target.js';
import type { DockerEngine } from '../container/docker-engine.js';
import { startVmEngine } from '../container/engine.js';
import type * as RunCase from '../runner/run-case.js';
import type { RunResult } from '../runner/results.js';
import { loadScenarioFiles } from '../scenario/load.js';
import { KernelLogCapture } from '../target/kmsg.js';
import { run } from '../target/target.js';
import { resultsPath } from '../testing/cli-output.js';
import {
  asRealLab,
  journalLeft,
  labOf,
  MGMT_MAC,
  networkSnapshot,
  setUpManagementNic,
} from '../testing/emulated-lab.js';
import { newRunId } from '../topology/names.js';
import { FORWARD_NIC_MAC, type VmTarget } from '../vm/vm-target.js';
import { ContainerLab } from './container.js';
import type { Lab } from './lab.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const sequence = 'fixtures/scenarios-lifecycle/sequence.yaml';
// Cases run in this process on the built modules: the traffic probe the target starts is dist's probe.js.
const { runCase } = (await import(join(process.cwd(), 'dist', 'harness', 'runner', 'run-case.js'))) as typeof RunCase;

describe('a lab on the container target, refused', () => {
  it('exits 2 with the reason, before an engine, a container or a NIC is touched', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bondlab-test-container-lab-'));
    const attempt = (lab: string, extra: string[], env: Record<string, string> = {}) =>
      execa(
        'node',
        [cli, 'run', '--target', 'container', ...extra, '--lab', lab, 'fixtures/scenarios-lab/carrier-loss.yaml'],
        { reject: false, env: { CI: 'true', ...env }, cwd: process.cwd(), all: true },
      ).then((r) => ({ exitCode: r.exitCode, said: r.all }));
    const refusals = [
      [
        await attempt('fixtures/labs/emulated.yaml', ['-o', out]),
        /the lab fixtures\/labs\/emulated\.yaml is emulated: its NICs exist only in a VM bondlab boots; on the container target that is the engine's \(--engine vm\)/,
      ],
      [
        await attempt('fixtures/labs/back-to-back.yaml', ['--engine', 'vm', '-o', out]),
        /names real NICs; the engine VM of --engine vm has none/,
      ],
      [
        await attempt('fixtures/labs/back-to-back.yaml', ['-o', out], { DOCKER_HOST: 'tcp://192.0.2.1:2376' }),
        /the Docker engine at tcp:\/\/192\.0\.2\.1:2376 \(DOCKER_HOST\) is not on this machine/,
      ],
    ] as const;
    for (const [{ exitCode, said }, reason] of refusals) {
      expect(exitCode, said).toBe(2);
      expect(said).toMatch(reason);
      // Refused before a target was opened: no engine or container was started, no run directory made.
      expect(said).not.toMatch(/ready|\[1\/1\]/);
    }
    expect((await stat(out)).isDirectory()).toBe(true);
    expect(await execa('ls', ['-A', out]).then((r) => r.stdout)).toBe('');
    await rm(out, { recursive: true, force: true });
  });
});

describe(`an emulated lab in the engine VM on ${kernel}`, () => {
  let engine: DockerEngine;
  let vm: VmTarget;
  let lab: Lab;
  /** The management NIC and the engine's own (the Docker API's forwarded NIC): no lab lists them. */
  let untouched: string[];
  let before: string;
  // The engine's own NIC takes addresses and a route from the user-mode network's router advertisements, whose lifetimes count down.
  const snapshot = async () =>
    (await networkSnapshot(vm)).replace(/"(valid_life_time|preferred_life_time|expires)":\d+/g, '"$1":0');
  const namesUntouched = (command: string) =>
    untouched.some((name) => new RegExp(`\\b${name}\\b`).test(command)) ||
    command.includes(MGMT_MAC) ||
    command.includes(FORWARD_NIC_MAC);

  beforeAll(async () => {
    lab = await labOf('fixtures/labs/emulated.yaml');
    engine = await startVmEngine({ kernel, emulatedNics: lab.emulated });
    if (!engine.vm) throw new Error('the engine has no VM');
    vm = engine.vm;
    const links = JSON.parse((await run(vm, ['ip', '-j', 'link', 'show'])).stdout) as {
      ifname: string;
      address: string;
    }[];
    const named = (mac: string) => links.find((l) => l.address === mac)?.ifname ?? '';
    untouched = [named(MGMT_MAC), named(FORWARD_NIC_MAC)];
    expect(untouched.every(Boolean), JSON.stringify(links)).toBe(true);
    await setUpManagementNic(vm, untouched[0] ?? '');
    before = await snapshot();
  }, 900_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('fails over on a pulled cable (QMP set_link) with the NICs in the container, and gives them back as they were', async () => {
    const { cases, errors } = await loadScenarioFiles(['fixtures/scenarios-lab/carrier-loss.yaml']);
    expect(errors).toEqual([]);
    const scenarioCase = cases[0];
    if (!scenarioCase) throw new Error('no case');
    const runId = newRunId();
    // The test's engine outlives the container.
    const container = await ContainerTarget.start({ engine: { ...engine, close: async () => undefined }, runId });
    let kernelLog: KernelLogCapture | undefined;
    let containerLab: ContainerLab | undefined;
    try {
      containerLab = await ContainerLab.open(container, lab, runId);
      const journal = JSON.parse((await vm.readFile(`/var/lib/bondlab/lab/${runId}.json`)).toString('utf8')) as {
        container?: { id: string; pid: number };
      };
      expect(journal.container?.id).toBe(container.id);
      kernelLog = await KernelLogCapture.start(container);
      const result = await runCase(containerLab.target, scenarioCase, {
        runId,
        caseIndex: 0,
        repetition: 1,
        kernelLog,
        links: containerLab.links(),
      });
      const failed = result.steps.flatMap((s) =>
        s.checks.filter((c) => !c.passed).map((c) => `step ${s.index}: ${c.name}: ${c.actual}`),
      );
      expect(result.error).toBeUndefined();
      expect(result.status, failed.join('\n')).toBe('passed');
      expect(result.steps.find((s) => s.kind === 'fault')?.description).toMatch(/QMP set_link down/);
      const { nics, commands } = containerLab.record();
      expect(nics.map((f) => f.driver)).toEqual(['virtio_net', 'e1000e', 'virtio_net', 'virtio_net']);
      // Each NIC went to the container's namespace by its pid, and the case's topology took it there.
      const pid = journal.container?.pid ?? 0;
      for (const nic of nics) expect(commands).toContain(`ip link set dev ${nic.name} netns ${pid}`);
      expect(commands.filter(namesUntouched)).toEqual([]);
    } finally {
      await kernelLog?.stop();
      await containerLab?.close();
      await container.close();
    }
    expect(await journalLeft(vm, runId)).toBe('');
    expect(await snapshot()).toBe(before);
  }, 900_000);

  /**
   * `bondlab run --target container --lab` inside the engine's VM, against its dockerd (a local
   * engine there), on a lab file that names the emulated NICs as real ones: the VM outlives the
   * run, so its NICs can be compared after a SIGKILL.
   */
  const inGuest = async (tag: string, then: (out: string) => string) => {
    const labFile = `/tmp/bondlab-container-lab-${tag}.yaml`;
    const out = `/tmp/bondlab-container-lab-${tag}`;
    await run(vm, ['sh', '-c', `cat > ${labFile}`], { input: asRealLab(lab) });
    const bondlab = `CI=true DOCKER_HOST=unix:///run/docker.sock ${process.execPath} ${cli}`;
    const result = await run(vm, ['sh', '-c', then(`${bondlab} run --target container --lab ${labFile} -o ${out}`)], {
      cwd: process.cwd(),
      timeoutMs: 900_000,
    });
    return { stdout: result.stdout, out, bondlab };
  };

  it('a run of bondlab there passes and gives the NICs back; no command named the management or the engine NIC', async () => {
    const { stdout } = await inGuest(
      'normal',
      (start) => `${start} --filter lifecycle-first ${sequence} 2>&1; echo "exit=$?"`,
    );
    expect(stdout).toMatch(/^exit=0$/m);
    const results = JSON.parse((await vm.readFile(resultsPath(stdout))).toString('utf8')) as RunResult;
    expect(results.targets[0]).toMatch(/^container /);
    expect(results.cases.map((c) => [c.name, c.status])).toEqual([['lifecycle-first', 'passed']]);
    expect(results.lab?.restoreError).toBeUndefined();
    expect(results.lab?.commands.filter((c) => /^ip link set dev \S+ netns \d+$/.test(c)).length).toBe(4);
    expect(results.lab?.commands.filter(namesUntouched)).toEqual([]);
    expect(await journalLeft(vm, results.runId)).toBe('');
    expect(await listContainers(engine)).toEqual([]);
    expect(await snapshot()).toBe(before);
  }, 900_000);

  it('gives the NICs back after SIGKILL mid-case and bondlab cleanup (the container removed, then the journal)', async () => {
    const { stdout, out } = await inGuest('sigkill', (start) =>
      [
        `${start} ${sequence} >/tmp/bondlab-container-lab-sigkill.log 2>&1 &`,
        'pid=$!',
        'i=0',
        "until grep -q '\\[2/3\\] lifecycle-long: start' /tmp/bondlab-container-lab-sigkill.log; do",
        '  sleep 0.5; i=$((i+1)); [ $i -lt 1200 ] || { echo "the long case did not start"; cat /tmp/bondlab-container-lab-sigkill.log; exit 3; }',
        'done',
        'sleep 15',
        'kill -KILL $pid; wait $pid; echo "exit=$?"',
        'cat "$(ls -t /var/lib/bondlab/lab/*.json | head -1)" > /tmp/bondlab-container-lab-sigkill.journal.json',
        `CI=true DOCKER_HOST=unix:///run/docker.sock ${process.execPath} ${cli} cleanup --json > /tmp/bondlab-container-lab-sigkill.cleanup.json; echo "cleanup=$?"`,
      ].join('\n'),
    );
    expect(stdout).toMatch(/^exit=137$/m);
    expect(out).toBe('/tmp/bondlab-container-lab-sigkill');
    const read = async <T>(file: string) => JSON.parse((await vm.readFile(file)).toString('utf8')) as T;
    const journal = await read<{ runId: string; nics: { permanentMac: string }[]; container?: { id: string } }>(
      `${out}.journal.json`,
    );
    expect(journal.container?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(journal.nics.map((n) => n.permanentMac).sort()).toEqual(
      [...lab.nics, ...(lab.far.kind === 'peer' ? lab.far.nics : [])].map((n) => n.mac).sort(),
    );
    const cleanup = await read<{
      containers: string[];
      labs: { journal: string; problems: string[] }[];
      labCommands: string[];
    }>(`${out}.cleanup.json`);
    expect(cleanup.containers).toEqual([journal.container?.id.slice(0, 12)]);
    // Only this run's journal counts: the guest sees the host's root, which may hold others.
    expect(cleanup.labs.filter((l) => l.journal.endsWith(`/${journal.runId}.json`))).toEqual([
      { journal: `/var/lib/bondlab/lab/${journal.runId}.json`, nics: expect.any(Array), problems: [] },
    ]);
    expect(cleanup.labCommands.filter(namesUntouched)).toEqual([]);
    expect(await journalLeft(vm, journal.runId)).toBe('');
    expect(await listContainers(engine)).toEqual([]);
    expect(await snapshot()).toBe(before);
  }, 900_000);
});

describe('bondlab run --target container --engine vm --lab (an emulated lab)', () => {
  it('passes the failover scenario with QMP cable pulls, the NICs lent to the container', async () => {
    const argv = ['run', '--target', 'container', '--engine', 'vm', '--kernel', kernel, '--lab'];
    const runned = await execa(
      'node',
      [cli, ...argv, 'fixtures/labs/emulated.yaml', 'fixtures/scenarios-lab/carrier-loss.yaml'],
      // The engine of the describe above left its DOCKER_* settings in this process (for testcontainers); its TLS files are gone.
      {
        reject: false,
        env: { CI: 'true', DOCKER_HOST: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_CERT_PATH: undefined },
      },
    );
    expect(runned.exitCode, runned.stderr).toBe(0);
    const results = (await readResults(resultsPath(runned.stderr))).run;
    expect(results.targets[0]).toMatch(/^container [0-9a-f]{12} .* in vm \(/);
    expect(results.cases.map((c) => c.status)).toEqual(['passed']);
    expect(results.cases[0]?.steps.find((s) => s.kind === 'fault')?.description).toMatch(/QMP set_link down/);
    expect(results.lab?.nics.map((n) => n.driver)).toEqual(['virtio_net', 'e1000e', 'virtio_net', 'virtio_net']);
    expect(results.lab?.commands.filter((c) => /^ip link set dev \S+ netns \d+$/.test(c)).length).toBe(4);
    expect(results.lab?.restoreError).toBeUndefined();
  }, 900_000);
});
