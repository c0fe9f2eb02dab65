import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../target/target.js';
import { newRunId } from '../topology/names.js';
import { buildTopology, BOND } from '../topology/topology.js';
import { VmTarget } from '../vm/vm-target.js';
import { NotAppliedError } from './apply.js';
import { resolveConfigBond } from './scenario.js';
import type { BondPlan, TopologyPlan } from '../scenario/plan.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const dir = mkdtempSync(join(tmpdir(), 'bondlab-apply-test-'));

/** The plan a scenario with `bond: { from, name: bond0, apply: ifupdown }` makes. */
function planOf(files: string[]): { bond: BondPlan; topology: TopologyPlan } {
  const spec: Record<string, unknown> = {
    bond: { from: files.map((f) => resolve(f)), name: 'bond0', apply: 'ifupdown' },
  };
  const resolved = resolveConfigBond(spec, join(dir, 'scenario.yaml'));
  if (!resolved.ref) throw new Error(resolved.error?.message ?? 'no bond');
  const { mode, slaves, ...options } = spec.bond as Record<string, string | number | string[]>;
  return {
    bond: { mode: mode as BondPlan['mode'], options, config: resolved.ref },
    topology: { slaves: Number(slaves), farSide: 'static-lag', clients: 1, arpTarget: false },
  };
}

describe(`the user's configuration applied with ifupdown in a VM (${kernel})`, { timeout: 600_000 }, () => {
  let vm: VmTarget;
  const runId = newRunId();
  beforeAll(async () => {
    vm = await VmTarget.boot({ kernel });
    await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
  });
  afterAll(async () => {
    await vm?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("brings up the Debian guide's modprobe.d file and static stanza: sysfs holds mode 0, miimon 200 and both ports; the guest is put back after", async () => {
    const plan = planOf(['scenarios/config/aliases-bond.conf', 'scenarios/config/interfaces-static']);
    expect(plan.bond).toMatchObject({ mode: 'balance-rr', options: { miimon: 200 } });
    const built = await buildTopology(vm, { runId, caseIndex: 0, ...plan });
    try {
      const netns = built.topology.dut.netns;
      const read = async (file: string) =>
        (await run(vm, ['cat', `/sys/class/net/${BOND}/bonding/${file}`], { netns })).stdout.trim();
      expect(await read('mode')).toBe('balance-rr 0');
      expect(await read('miimon')).toBe('200');
      expect((await read('slaves')).split(' ').sort()).toEqual(['eth0', 'eth1']);
      // ifupdown itself configured it: its state file names the bond.
      expect((await run(vm, ['cat', '/run/network/ifstate.bond0'])).stdout.trim()).toBe('bond0');
    } finally {
      await built.teardown();
    }
    expect((await run(vm, ['sh', '-c', 'ls /etc/modprobe.d/ | grep -c bondlab- || true'])).stdout.trim()).toBe('0');
    // The runner's state again: bonding loaded with no bond of its own.
    expect((await run(vm, ['cat', '/sys/class/net/bonding_masters'])).stdout.trim()).toBe('');
  });

  it('reports each option the tool did not apply, with its file and line: Debian ifenslave does not write bond-resend-igmp', async () => {
    const file = join(dir, 'interfaces');
    writeFileSync(
      file,
      'auto bond0\niface bond0 inet manual\n\tbond-slaves eth0 eth1\n\tbond-mode active-backup\n\tbond-miimon 100\n\tbond-resend-igmp 5\n',
    );
    const plan = planOf([file]);
    const error = await buildTopology(vm, { runId, caseIndex: 1, ...plan }).then(
      async (built) => {
        await built.teardown();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotAppliedError);
    expect((error as NotAppliedError).mismatches.map((m) => ({ ...m, at: `${m.at.file}:${m.at.line}` }))).toEqual([
      { option: 'resend_igmp', expected: '5', actual: '1', key: 'bond-resend-igmp', at: `${file}:6` },
    ]);
    expect((await run(vm, ['sh', '-c', `ip netns list | grep -c ${runId} || true`])).stdout.trim()).toBe('0');
  });
});
