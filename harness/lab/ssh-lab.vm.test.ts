/**
 * A lab whose machine under test is reached over ssh, end to end on real drivers in a VM: the
 * guest's emulated NICs (virtio_net and e1000e, virtio_net peers) and its management NIC (192.0.2.2, the
 * default route) as on a real server, an sshd of the test's own listening on that management
 * address only (testing/sshd-in-guest.ts), and bondlab, in the same guest, driving the lab through
 * `machine: { ssh: root@192.0.2.2 }`. sshd runs in a mount namespace with a private
 * /var/lib/bondlab, so the DUT's journal directory is not the one bondlab itself sees: a journal
 * that survives a SIGKILL there was written through the agent, on the DUT. After each way a run
 * ends, the guest's `ip -j link/addr/route` and every NIC's `ethtool -k` equal the first snapshot.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../runner/results.js';
import { run } from '../target/target.js';
import { resultsPath } from '../testing/cli-output.js';
import { addressManagementNic, MGMT_MAC, networkSnapshot } from '../testing/emulated-lab.js';
import { SSHD_PORT, sshdInGuest } from '../testing/sshd-in-guest.js';
import { VmTarget } from '../vm/vm-target.js';
import { JOURNAL_DIR } from './journal.js';
import type { Lab } from './lab.js';
import { loadLabFile } from './load.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const DUT = 'root@192.0.2.2';
const dutMac = (i: number) => `52:54:00:b1:00:0${i}`;
const peerMac = (i: number) => `52:54:00:b1:01:0${i}`;

describe(`a lab reached over ssh on ${kernel}`, () => {
  let vm: VmTarget;
  let mgmt: string;
  /** The guest directory of the test's keys, known_hosts and lab files (0700, under /root). */
  let work: string;
  /** The sshd's pid: `nsenter -t` it to see what the DUT sees (its own /var/lib/bondlab). */
  let sshd: string;
  let before: string;
  const snapshot = () => networkSnapshot(vm);
  /** A shell command as the DUT's sessions see the machine. */
  const onDut = async (command: string) =>
    (await run(vm, ['nsenter', '-t', sshd, '-m', '--', 'sh', '-c', command])).stdout.trim();
  const login = () => `--ssh-port ${SSHD_PORT} --ssh-identity ${work}/client --ssh-known-hosts ${work}/known_hosts`;
  /** bondlab in the guest, in this checkout. */
  const bondlab = (args: string) =>
    vm.exec(['sh', '-c', `CI=true ${process.execPath} ${cli} ${args}`], { cwd: process.cwd(), timeoutMs: 900_000 });
  const namesMgmt = (command: string) => new RegExp(`\\b${mgmt}\\b`).test(command) || command.includes(MGMT_MAC);

  beforeAll(async () => {
    const emulated = await loadLabFile('fixtures/labs/emulated.yaml');
    if (!('lab' in emulated)) throw new Error(JSON.stringify(emulated.errors));
    const lab: Lab = emulated.lab;
    vm = await VmTarget.boot({ kernel, emulatedNics: lab.emulated });
    await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
    // The DUT is reached through its management NIC, as a real server is.
    mgmt = await addressManagementNic(vm);
    const nic = (label: string, mac: string) => `{ label: ${label}, mac: "${mac}" }`;
    const labFile = (nics: string[], peers: string[]) =>
      [
        `machine: { ssh: ${DUT} }`,
        'nics:',
        ...nics.map((n) => `  - ${n}`),
        'far:',
        '  peer:',
        '    nics:',
        ...peers.map((n) => `      - ${n}`),
        '',
      ].join('\n');
    const setup = await run(vm, [
      'sh',
      '-c',
      `set -u
${sshdInGuest({ listen: ['192.0.2.2'], privateDirs: ['/var/lib/bondlab'] })}
cat > "$work/lab.yaml" <<'EOF'
${labFile([nic('dut0', dutMac(0)), nic('dut1', dutMac(1))], [nic('peer0', peerMac(0)), nic('peer1', peerMac(1))])}EOF
cat > "$work/mgmt-lab.yaml" <<'EOF'
${labFile([nic('mgmt', MGMT_MAC), nic('dut1', dutMac(1))], [nic('peer0', peerMac(0)), nic('peer1', peerMac(1))])}EOF
echo "work=$work"
echo "sshd=$sshd"`,
    ]);
    const field = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(setup.stdout)?.[1] ?? '';
    work = field('work');
    sshd = field('sshd');
    expect(work).toMatch(/^\/root\/bondlab-ssh-test-\w+$/);
    expect(sshd).toMatch(/^\d+$/);
    before = await snapshot();
  }, 600_000);
  afterAll(async () => {
    await vm?.close();
  });

  it('lab check over ssh shows the NICs with their drivers and probes the cabling, and changes nothing', async () => {
    const result = await bondlab(`lab check ${work}/lab.yaml ${login()} --json`);
    expect(result.exitCode, result.stderr).toBe(0);
    const check = JSON.parse(result.stdout) as {
      nics: { label: string; role: string; driver: string; permanentMac: string }[];
      cabling: { probed: boolean; rows?: { status: string; detail: string }[] };
      refusals: unknown[];
    };
    expect(check.nics.map((n) => [n.label, n.role, n.driver, n.permanentMac])).toEqual([
      ['dut0', 'dut', 'virtio_net', dutMac(0)],
      ['dut1', 'dut', 'e1000e', dutMac(1)],
      ['peer0', 'peer', 'virtio_net', peerMac(0)],
      ['peer1', 'peer', 'virtio_net', peerMac(1)],
    ]);
    expect(check.cabling.rows?.map((r) => [r.status, r.detail])).toEqual([
      ['ok', 'dut0 <-> peer0'],
      ['ok', 'dut1 <-> peer1'],
    ]);
    expect(check.refusals).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(await onDut(`ls -A ${JOURNAL_DIR} 2>/dev/null; true`)).toBe('');
  }, 900_000);

  it('refuses the NIC that carries the ssh session, with the reason: lab check exit 1, run exit 2, nothing touched', async () => {
    const check = await bondlab(`lab check ${work}/mgmt-lab.yaml ${login()} --json`);
    expect(check.exitCode, check.stderr).toBe(1);
    const said = JSON.parse(check.stdout) as {
      refusals: { label: string; name?: string; reason: string }[];
      cabling: { probed: boolean };
    };
    expect(said.refusals).toEqual([
      { label: 'mgmt', name: mgmt, reason: 'it carries the default route' },
      {
        label: 'mgmt',
        name: mgmt,
        reason: 'it holds 192.0.2.2, the address of the session bondlab was started through',
      },
    ]);
    expect(said.cabling.probed).toBe(false);

    const refused = await bondlab(
      `run --target ssh --ssh ${DUT} ${login()} --lab ${work}/mgmt-lab.yaml fixtures/scenarios-lab/link-down.yaml -o ${work}/refused`,
    );
    expect(refused.exitCode, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the lab ${work}/mgmt-lab.yaml cannot be used; nothing was touched`);
    expect(refused.stderr).toContain(
      `mgmt (${mgmt}): it holds 192.0.2.2, the address of the session bondlab was started through`,
    );
    expect(await snapshot()).toBe(before);
    expect(await onDut(`ls -A ${JOURNAL_DIR} 2>/dev/null; true`)).toBe('');
  }, 900_000);

  it('runs a failover and the Debian guide on the lab over ssh, and gives the NICs back as they were', async () => {
    const result = await bondlab(
      `run --target ssh --ssh ${DUT} ${login()} --lab ${work}/lab.yaml fixtures/scenarios-lab/link-down.yaml scenarios/debian-guide.yaml -o ${work}/out`,
    );
    const results = JSON.parse((await vm.readFile(resultsPath(result.stderr))).toString('utf8')) as RunResult;
    const failed = results.cases.flatMap((c) =>
      c.steps.flatMap((s) =>
        s.checks.filter((k) => !k.passed).map((k) => `${c.name} step ${s.index}: ${k.name}: ${k.actual}`),
      ),
    );
    expect(result.exitCode, `${failed.join('\n')}\n${result.stderr}`).toBe(0);
    expect(results.targets).toEqual([expect.stringMatching(/^ssh root@192\.0\.2\.2 \(\S+, node \d+\.\d+\.\d+\)$/)]);
    expect(results.cases.map((c) => [c.name, c.status])).toEqual([
      ['lab-link-down', 'passed'],
      ['debian-guide', 'passed'],
    ]);
    expect(results.lab?.restoreError).toBeUndefined();
    expect(results.lab?.nics.map((n) => [n.label, n.driver])).toEqual([
      ['dut0', 'virtio_net'],
      ['dut1', 'e1000e'],
      ['peer0', 'virtio_net'],
      ['peer1', 'virtio_net'],
    ]);
    expect(results.lab?.commands.length).toBeGreaterThan(20);
    expect(results.lab?.commands.filter(namesMgmt)).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(await onDut(`ls -A ${JOURNAL_DIR}; ip netns list | grep '^bondlab-'; true`)).toBe('');
  }, 900_000);

  it('keeps the journal on the DUT when the local bondlab is killed, and cleanup --ssh restores the NICs from it', async () => {
    const out = `${work}/killed`;
    const script = String.raw`
dut() { nsenter -t ${sshd} -m -- "$@"; }
CI=true ${process.execPath} ${cli} run --target ssh --ssh ${DUT} ${login()} --lab ${work}/lab.yaml fixtures/scenarios-lifecycle/sequence.yaml --filter lifecycle-long -o ${out} >${out}.log 2>&1 &
pid=$!
i=0
# Killed while its case waits with the bond built on both lab NICs.
until ns=$(dut ip netns list | grep -o '^bondlab-[^ ]*-dut') && dut ip netns exec "$ns" grep -q 'Slave Interface: eth1' /proc/net/bonding/bond0 2>/dev/null; do
  sleep 0.2; i=$((i+1)); [ $i -lt 3000 ] || { echo "no bond"; cat ${out}.log; exit 3; }
done
sleep 2
kill -KILL $pid; wait $pid; echo "exit=$?"
# The agent ends with its session (ssh's stdin closes with bondlab).
i=0
while dut sh -c 'ls -d /tmp/bondlab-agent-*' >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || break; done
echo "namespaces=$(dut ip netns list | grep -c '^bondlab-')"
echo "journals-dut=$(dut ls -A ${JOURNAL_DIR} | tr '\n' ' ')"
echo "journals-here=$(ls -A ${JOURNAL_DIR} 2>/dev/null | tr '\n' ' ')"
CI=true ${process.execPath} ${cli} cleanup --ssh ${DUT} ${login()} --json >${out}.cleanup.json 2>${out}.cleanup.err
echo "cleanup=$?"
echo "journals-after=$(dut ls -A ${JOURNAL_DIR} | tr '\n' ' ')"
echo "namespaces-after=$(dut ip netns list | grep -c '^bondlab-')"
`;
    const result = await vm.exec(['sh', '-c', script], { cwd: process.cwd(), timeoutMs: 900_000 });
    const log = `${result.stdout}\n${result.stderr}\n${(await vm.readFile(`${out}.log`)).toString('utf8')}`;
    const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(result.stdout)?.[1]?.trim() ?? '';
    expect(result.exitCode, log).toBe(0);
    expect(field('exit'), log).toBe('137');
    expect(Number(field('namespaces')), log).toBeGreaterThan(0);
    const journal = field('journals-dut');
    expect(journal, log).toMatch(/^\d{14}-\w+\.json$/);
    // Not on the machine bondlab ran on: its /var/lib/bondlab is another directory than the DUT's.
    expect(field('journals-here').split(' '), log).not.toContain(journal);
    expect(field('cleanup'), `${(await vm.readFile(`${out}.cleanup.err`)).toString('utf8')}\n${log}`).toBe('0');
    const cleanup = JSON.parse((await vm.readFile(`${out}.cleanup.json`)).toString('utf8')) as {
      namespaces: string[];
      labs: { journal: string; nics: string[]; problems: string[] }[];
      labCommands: string[];
    };
    expect(cleanup.namespaces.length).toBe(Number(field('namespaces')));
    expect(cleanup.labs).toEqual([
      { journal: `${JOURNAL_DIR}/${journal}`, nics: expect.any(Array) as unknown, problems: [] },
    ]);
    expect(cleanup.labs[0]?.nics).toHaveLength(4);
    expect(cleanup.labCommands.length).toBeGreaterThan(4);
    expect(cleanup.labCommands.filter(namesMgmt)).toEqual([]);
    expect([field('journals-after'), field('namespaces-after')], log).toEqual(['', '0']);
    expect(await snapshot()).toBe(before);
  }, 900_000);
});
