import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../target/target.js';
import { newRunId } from '../topology/names.js';
import { buildTopology, BOND } from '../topology/topology.js';
import { VmTarget } from '../vm/vm-target.js';
import { farSideOf, type ModeName } from '../bond/vocabulary.js';
import { absentReason, NotAppliedError, releaseBefore } from './apply.js';
import { IFENSLAVE_APPLIES } from './options.js';
import { findings } from './findings.js';
import { readConfig } from './read.js';
import { resolveConfigBond } from './scenario.js';
import type { BondPlan, ConfigBondRef, TopologyPlan } from '../scenario/plan.js';

const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';
const dir = mkdtempSync(join(tmpdir(), 'bondlab-apply-test-'));

/** The plan a scenario with `bond: { from, name, apply }` makes (bond0 and ifupdown unless told; null: no apply, bondlab builds it). */
function planOf(
  files: string[],
  { name = 'bond0', apply = 'ifupdown' }: { name?: string; apply?: ConfigBondRef['apply'] | null } = {},
): { bond: BondPlan; topology: TopologyPlan } {
  const spec: Record<string, unknown> = {
    bond: { from: files.map((f) => resolve(f)), name, ...(apply ? { apply } : {}) },
  };
  const resolved = resolveConfigBond(spec, join(dir, 'scenario.yaml'));
  if (!resolved.ref) throw new Error(resolved.error?.message ?? 'no bond');
  const { mode, slaves, ...options } = spec.bond as Record<string, string | number | string[]>;
  return {
    bond: { mode: mode as BondPlan['mode'], options, config: resolved.ref },
    topology: { slaves: Number(slaves), farSide: farSideOf(mode as ModeName), clients: 1, arpTarget: false },
  };
}

/** The build's error, when it fails; a build that succeeds is torn down at once. */
async function buildError(vm: VmTarget, request: Parameters<typeof buildTopology>[1]): Promise<unknown> {
  return buildTopology(vm, request).then(
    async (built) => {
      await built.teardown();
      return undefined;
    },
    (e: unknown) => e,
  );
}

/** The bond's sysfs files, read in its namespace by the test itself. */
async function readBonding(vm: VmTarget, netns: string, files: string[]): Promise<Record<string, string>> {
  const read = await run(
    vm,
    ['sh', '-c', `cd /sys/class/net/${BOND}/bonding && for f in ${files.join(' ')}; do echo "$(cat $f)"; done`],
    { netns },
  );
  const lines = read.stdout.split('\n');
  return Object.fromEntries(files.map((file, j) => [file, lines[j]?.trim() ?? '']));
}

/** What the kernel holds for a bond's port (IFLA_BOND_SLAVE_*), as `ip -d -j link` shows it. */
async function portData(vm: VmTarget, netns: string, port: string): Promise<Record<string, unknown>> {
  const shown = await run(vm, ['ip', '-d', '-j', 'link', 'show', 'dev', port], { netns });
  const [link] = JSON.parse(shown.stdout) as { linkinfo?: { info_slave_data?: Record<string, unknown> } }[];
  return link?.linkinfo?.info_slave_data ?? {};
}

/** An interfaces file of one bond0 stanza over eth0 and eth1 with these bond-* lines. */
function stanza(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    ['auto bond0', 'iface bond0 inet manual', '\tbond-slaves eth0 eth1', ...lines.map((l) => `\t${l}`), ''].join('\n'),
  );
  return file;
}

/**
 * Many options at once, per mode where they apply. Every option of the model is compared with
 * sysfs by the build itself (apply.ts); these stanzas hold only options Debian's ifenslave 2.13
 * writes, so the build must pass, and the test reads the values back itself as well.
 */
const MANY: { name: string; lines: string[]; sysfs: Record<string, string> }[] = [
  {
    name: 'active-backup, MII monitoring',
    lines: [
      'bond-mode active-backup',
      'bond-miimon 100',
      'bond-updelay 200',
      'bond-downdelay 300',
      'bond-use-carrier 1',
      'bond-primary eth1',
      'bond-primary-reselect better',
      'bond-fail-over-mac active',
      'bond-num-grat-arp 3',
      // One kernel value since Linux 3.0 (bonding.rst): the last written wins, so both the same here.
      'bond-num-unsol-na 3',
    ],
    sysfs: {
      mode: 'active-backup 1',
      miimon: '100',
      updelay: '200',
      downdelay: '300',
      use_carrier: '1',
      primary: 'eth1',
      primary_reselect: 'better 1',
      fail_over_mac: 'active 1',
      num_grat_arp: '3',
      num_unsol_na: '3',
    },
  },
  {
    name: 'active-backup, ARP monitoring',
    lines: [
      'bond-mode 1',
      'bond-arp-interval 250',
      'bond-arp-ip-target 192.0.2.7 192.0.2.8',
      'bond-arp-validate all',
      'bond-primary eth0',
    ],
    sysfs: {
      mode: 'active-backup 1',
      arp_interval: '250',
      arp_ip_target: '192.0.2.7 192.0.2.8',
      arp_validate: 'all 3',
      miimon: '0',
      primary: 'eth0',
    },
  },
  {
    name: '802.3ad',
    lines: [
      'bond-mode 802.3ad',
      'bond-miimon 100',
      'bond-lacp-rate fast',
      'bond-xmit-hash-policy layer3+4',
      'bond-ad-select bandwidth',
    ],
    sysfs: {
      mode: '802.3ad 4',
      miimon: '100',
      lacp_rate: 'fast 1',
      xmit_hash_policy: 'layer3+4 1',
      ad_select: 'bandwidth 1',
    },
  },
  {
    name: 'balance-rr',
    lines: ['bond-mode balance-rr', 'bond-miimon 50', 'bond-packets-per-slave 3'],
    sysfs: { mode: 'balance-rr 0', miimon: '50', packets_per_slave: '3' },
  },
  {
    name: 'balance-tlb',
    lines: ['bond-mode balance-tlb', 'bond-miimon 100', 'bond-tlb-dynamic-lb 0', 'bond-xmit-hash-policy layer2+3'],
    sysfs: { mode: 'balance-tlb 5', miimon: '100', tlb_dynamic_lb: '0', xmit_hash_policy: 'layer2+3 2' },
  },
];

/**
 * Valid netplan files, one per mode family (fixtures/config/netplan/bond-*.yaml), brought up by
 * netplan's generator and systemd-networkd: each option the file sets, as sysfs must show it
 * afterwards (their ports enp1s0 and enp2s0 become eth0 and eth1).
 */
const NETPLAN: { file: string; sysfs: Record<string, string> }[] = [
  {
    file: 'bond-active-backup',
    sysfs: {
      mode: 'active-backup 1',
      miimon: '100',
      updelay: '200',
      downdelay: '300',
      primary: 'eth1',
      primary_reselect: 'better 1',
      fail_over_mac: 'follow 2',
      num_grat_arp: '4',
      resend_igmp: '3',
      all_slaves_active: '1',
      min_links: '1',
    },
  },
  {
    file: 'bond-arp',
    sysfs: {
      mode: 'active-backup 1',
      arp_interval: '250',
      arp_ip_target: '192.0.2.7 192.0.2.8',
      arp_validate: 'backup 2',
      lp_interval: '3',
      arp_all_targets: 'all 1',
      primary: 'eth0',
    },
  },
  {
    file: 'bond-802.3ad',
    sysfs: {
      mode: '802.3ad 4',
      lacp_rate: 'fast 1',
      miimon: '100',
      updelay: '200',
      downdelay: '1000',
      xmit_hash_policy: 'layer3+4 1',
      ad_select: 'count 2',
      min_links: '2',
      all_slaves_active: '1',
      resend_igmp: '2',
      num_grat_arp: '2',
    },
  },
  { file: 'bond-balance-rr', sysfs: { mode: 'balance-rr 0', miimon: '50', packets_per_slave: '3' } },
  {
    file: 'bond-balance-tlb',
    sysfs: {
      mode: 'balance-tlb 5',
      miimon: '100',
      xmit_hash_policy: 'layer2+3 2',
      primary: 'eth0',
    },
  },
];

/**
 * Valid NetworkManager keyfiles, one set per mode family (fixtures/config/networkmanager/<dir>:
 * the bond's profile and its two ports' profiles), brought up by NetworkManager 1.42 from the
 * fetched tree: each option of the bond's profile, as sysfs must show it afterwards.
 */
const NM: { dir: string; sysfs: Record<string, string> }[] = [
  {
    dir: 'active-backup',
    sysfs: {
      mode: 'active-backup 1',
      miimon: '100',
      updelay: '200',
      downdelay: '300',
      primary: 'eth1',
      primary_reselect: 'better 1',
      fail_over_mac: 'active 1',
      num_grat_arp: '3',
      resend_igmp: '3',
      all_slaves_active: '1',
    },
  },
  {
    dir: 'arp',
    sysfs: {
      mode: 'active-backup 1',
      arp_interval: '250',
      arp_ip_target: '192.0.2.7 192.0.2.8',
      arp_validate: 'backup 2',
      arp_all_targets: 'all 1',
      primary: 'eth0',
    },
  },
  {
    dir: '802.3ad',
    sysfs: {
      mode: '802.3ad 4',
      miimon: '100',
      lacp_rate: 'fast 1',
      xmit_hash_policy: 'layer3+4 1',
      ad_select: 'bandwidth 1',
      ad_actor_sys_prio: '100',
      ad_user_port_key: '5',
      min_links: '1',
    },
  },
  { dir: 'balance-rr', sysfs: { mode: 'balance-rr 0', miimon: '50', packets_per_slave: '3' } },
  {
    dir: 'balance-tlb',
    sysfs: {
      mode: 'balance-tlb 5',
      miimon: '100',
      tlb_dynamic_lb: '0',
      xmit_hash_policy: 'layer2+3 2',
      lp_interval: '3',
      primary: 'eth0',
    },
  },
];

describe(
  `the user's configuration applied with ifupdown, systemd-networkd and NetworkManager in a VM (${kernel})`,
  { timeout: 600_000 },
  () => {
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

    it.each(MANY.map((m, i) => [m.name, m, i] as const))(
      'applies many options at once (%s): the build compares every option with sysfs, and each reads back as written',
      async (_name, many, i) => {
        const file = stanza(`many-${i}`, many.lines);
        const plan = planOf([file]);
        // Each line of the stanza is an option of the model, and each one ifenslave writes.
        const model = readConfig([file]).bonds[0];
        expect(Object.keys(model?.options ?? {}).sort()).toEqual(
          Object.keys(many.sysfs)
            .filter((o) => o !== 'miimon' || many.lines.some((l) => l.startsWith('bond-miimon')))
            .sort(),
        );
        expect(Object.keys(model?.options ?? {}).filter((o) => !IFENSLAVE_APPLIES.has(o))).toEqual([]);
        const built = await buildTopology(vm, { runId, caseIndex: 10 + i, ...plan });
        try {
          expect(await readBonding(vm, built.topology.dut.netns, Object.keys(many.sysfs))).toEqual(many.sysfs);
        } finally {
          await built.teardown();
        }
      },
    );

    it('reports every option ifenslave does not write, and only those, each with its file and line', async () => {
      const file = stanza('not-written', [
        'bond-mode 802.3ad',
        'bond-miimon 100',
        'bond-lacp-rate fast',
        'bond-min-links 2',
        'bond-ad-actor-sys-prio 100',
        'bond-ad-user-port-key 5',
        'bond-lacp-active off',
        'bond-resend-igmp 7',
        'bond-all-slaves-active 1',
        'bond-peer-notif-delay 200',
        'bond-coupled-control 0',
        'bond-broadcast-neighbor on',
      ]);
      const error = await buildError(vm, { runId, caseIndex: 20, ...planOf([file]) });
      expect(error).toBeInstanceOf(NotAppliedError);
      const model = readConfig([file]).bonds[0];
      const expected = Object.keys(model?.options ?? {}).filter((o) => !IFENSLAVE_APPLIES.has(o));
      expect(expected.length).toBe(9);
      // Options the guest's kernel does not show in sysfs: on 6.1 both (newer than it), on 6.17 and later
      // broadcast_neighbor still (netlink only); each reported as such, not as a value that differs.
      const release = (await run(vm, ['uname', '-r'])).stdout.trim();
      const absent = (error as NotAppliedError).mismatches.filter((m) => m.absent);
      expect(absent.map((m) => `${m.option}@${m.at.line}: ${m.absent}`)).toEqual(
        [
          ['coupled_control', 14],
          ['broadcast_neighbor', 15],
        ]
          .filter(([option]) => absentReason(String(option), release))
          .map(([option, line]) => `${option}@${line}: ${absentReason(String(option), release)}`),
      );
      if (releaseBefore(release, '6.9'))
        expect(absent[0]?.absent).toBe(
          `the running kernel (Linux ${release}) has no coupled_control: it came with Linux 6.9`,
        );
      expect((error as NotAppliedError).message).toContain('options this kernel does not show in sysfs:');
      // The kernel keeps its defaults for what was not written.
      expect((error as NotAppliedError).mismatches.find((m) => m.option === 'resend_igmp')).toMatchObject({
        expected: '7',
        actual: '1',
        key: 'bond-resend-igmp',
        at: { file, line: 11 },
      });
      expect((await run(vm, ['sh', '-c', `ip netns list | grep -c ${runId} || true`])).stdout.trim()).toBe('0');
      expect(
        (error as NotAppliedError).mismatches.map((m) => `${m.option} ${m.key} ${m.at.line} ${m.expected}`).sort(),
      ).toEqual(
        expected
          .map(
            (o) => `${o} ${model?.options[o]?.key} ${model?.options[o]?.at.line} ${String(model?.options[o]?.value)}`,
          )
          .sort(),
      );
    });

    it("brings the guide's DHCP stanza up with dhclient: the bond leases its address from dnsmasq on the far side; both are gone after", async () => {
      const plan = planOf(['scenarios/config/aliases-bond.conf', 'scenarios/config/interfaces-dhcp']);
      const built = await buildTopology(vm, { runId, caseIndex: 30, ...plan });
      try {
        const { dut, far } = built.topology;
        const address = (await run(vm, ['ip', '-4', '-o', 'addr', 'show', 'dev', BOND], { netns: dut.netns })).stdout;
        // dhclient-script adds the lease with its lifetime: "dynamic", a valid_lft in seconds.
        expect(address).toMatch(new RegExp(`inet ${dut.ipv4.replace(/\./g, '\\.')}/24 .*dynamic`));
        expect(address).toMatch(/valid_lft \d+sec/);
        // dnsmasq runs in the far side's namespace only, bound to its bridge.
        const servers = await run(vm, ['sh', '-c', 'for p in $(pgrep -x dnsmasq); do ip netns identify $p; done']);
        expect(servers.stdout.trim()).toBe(far.netns);
        expect((await run(vm, ['cat', `/sys/class/net/${BOND}/address`], { netns: dut.netns })).stdout.trim()).toBe(
          '02:00:00:00:b0:0d',
        );
      } finally {
        await built.teardown();
      }
      expect((await run(vm, ['sh', '-c', 'pgrep -x dnsmasq; pgrep -x dhclient; true'])).stdout.trim()).toBe('');
      expect((await run(vm, ['sh', '-c', 'ls /var/lib/dhcp/ | grep -c bond0 || true'])).stdout.trim()).toBe('0');
    });

    it("networkd files: systemd-networkd 252, started by hand in the bond's namespace, makes the bond with its options and leases its address over DHCP", async () => {
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const files = [
        file(
          'ab.netdev',
          '[NetDev]\nName=bond7\nKind=bond\n\n[Bond]\nMode=active-backup\nMIIMonitorSec=100ms\nUpDelaySec=200ms\nDownDelaySec=300ms\nPrimaryReselectPolicy=better\nGratuitousARP=3\n',
        ),
        file('ab-ports.network', '[Match]\nName=enp1s0 enp2s0\n\n[Network]\nBond=bond7\n'),
        file('ab.network', '[Match]\nName=bond7\n\n[Network]\nDHCP=ipv4\n'),
      ];
      const plan = planOf(files, { name: 'bond7', apply: 'networkd' });
      const built = await buildTopology(vm, { runId, caseIndex: 40, ...plan });
      try {
        const netns = built.topology.dut.netns;
        const cat = `cd /sys/class/net/${BOND}/bonding && cat mode miimon updelay downdelay primary_reselect num_grat_arp`;
        const read = await run(vm, ['sh', '-c', cat], { netns });
        expect(read.stdout.trim().split('\n')).toEqual(['active-backup 1', '100', '200', '300', 'better 1', '3']);
        expect((await run(vm, ['ip', '-4', '-o', 'addr', 'show', 'dev', BOND], { netns })).stdout).toMatch(/dynamic/);
      } finally {
        await built.teardown();
      }
    });

    it.each(NETPLAN.map((n, i) => [n.file, n, i] as const))(
      'netplan %s.yaml through netplan generate and systemd-networkd: the build finds every option of the file in sysfs, and each reads back as written',
      async (_name, netplan, i) => {
        const file = `fixtures/config/netplan/${netplan.file}.yaml`;
        // Each parameter of the file is an option of the model, and the test knows what sysfs must show for each.
        expect(Object.keys(readConfig([file]).bonds[0]?.options ?? {}).sort()).toEqual(
          Object.keys(netplan.sysfs).sort(),
        );
        const built = await buildTopology(vm, { runId, caseIndex: 50 + i, ...planOf([file], { apply: 'networkd' }) });
        try {
          expect(await readBonding(vm, built.topology.dut.netns, Object.keys(netplan.sysfs))).toEqual(netplan.sysfs);
        } finally {
          await built.teardown();
        }
        const left = await run(vm, ['sh', '-c', 'ls /run/systemd/network/ | grep -c bondlab- || true']);
        expect(left.stdout.trim()).toBe('0');
      },
    );

    it("what systemd-networkd 252 leaves out of a netplan file is reported by the build, and only that, as config check's findings say", async () => {
      const file = 'fixtures/config/netplan/networkd-drops.yaml';
      const error = await buildError(vm, { runId, caseIndex: 60, ...planOf([file], { apply: 'networkd' }) });
      expect(error).toBeInstanceOf(NotAppliedError);
      const reported = (error as NotAppliedError).mismatches.map((m) => `${m.option}@${m.at.line} ${m.actual}`);
      expect(reported).toEqual(['lp_interval@15 1', 'arp_validate@16 none']);
      const dropped = findings(readConfig([file])).filter((f) => f.code === 'dropped-by-networkd');
      expect(dropped.map((f) => f.at.line)).toEqual([15, 16]);
    });

    it('networkd files the kernel refuses for their mode: networkd 252 ignores keys it does not know, and the whole bond is not made', async () => {
      // The fixture's 802.3ad bond sets DynamicTransmitLoadBalancing= (balance-tlb/alb only): one netlink request, refused whole.
      const plan = planOf(['fixtures/config/networkd'], { name: 'bond1', apply: 'networkd' });
      const error = await buildError(vm, { runId, caseIndex: 41, ...plan });
      const stderr = (error as { result?: { stderr?: string } }).result?.stderr ?? String(error);
      expect(stderr).toContain("Unknown key 'PeerNotifyDelaySec' in section [Bond], ignoring.");
      expect(stderr).toContain("Unknown key 'ARPMissedMax' in section [Bond], ignoring.");
      expect(stderr).toContain('bond0: netdev could not be created: Permission denied');
      const left = await run(vm, ['sh', '-c', 'ls /run/systemd/network/ | grep -c bondlab- || true']);
      expect(left.stdout.trim()).toBe('0');
    });

    it.each(NM.map((n, i) => [n.dir, n, i] as const))(
      "NetworkManager keyfiles (%s): NetworkManager 1.42 in the bond's namespace makes the bond; the build finds every option in sysfs, and each reads back as written",
      async (_name, nm, i) => {
        const dir = `fixtures/config/networkmanager/${nm.dir}`;
        expect(Object.keys(readConfig([dir]).bonds[0]?.options ?? {}).sort()).toEqual(Object.keys(nm.sysfs).sort());
        const built = await buildTopology(vm, {
          runId,
          caseIndex: 70 + i,
          ...planOf([dir], { apply: 'networkmanager' }),
        });
        try {
          const netns = built.topology.dut.netns;
          expect(await readBonding(vm, netns, Object.keys(nm.sysfs))).toEqual(nm.sysfs);
          // NetworkManager itself made it: its daemon runs in the bond's namespace and nowhere else.
          const daemons = await run(vm, [
            'sh',
            '-c',
            'for p in $(pgrep -x NetworkManager); do ip netns identify $p; done',
          ]);
          expect(daemons.stdout.trim()).toBe(netns);
          if (nm.dir === 'active-backup')
            // The second port's [bond-port] queue-id, which the build's comparison also read back.
            expect(await portData(vm, netns, 'eth1')).toMatchObject({ queue_id: 2 });
          if (nm.dir === 'balance-rr')
            // NetworkManager's own DHCP client leased the topology's address from dnsmasq on the far side.
            expect((await run(vm, ['ip', '-4', '-o', 'addr', 'show', 'dev', BOND], { netns })).stdout).toMatch(
              new RegExp(`inet ${built.topology.dut.ipv4.replace(/\./g, '\\.')}/24 .*dynamic`),
            );
        } finally {
          await built.teardown();
        }
        expect(
          (
            await run(vm, [
              'sh',
              '-c',
              'pgrep -x NetworkManager; pgrep -x dbus-daemon; ls -d /run/bondlab-nm /etc/NetworkManager 2>/dev/null; true',
            ])
          ).stdout.trim(),
        ).toBe('');
      },
    );

    it("NetworkManager 1.42 does not read a port profile's controller= and port-type=: the ports stay out of the bond, the build says so at the controller= line, as config check does", async () => {
      const sub = join(dir, 'nm-controller');
      mkdirSync(sub);
      writeFileSync(
        join(sub, 'bond0.nmconnection'),
        '[connection]\nid=bond0\ntype=bond\ninterface-name=bond0\n\n[bond]\nmode=active-backup\nmiimon=100\n\n[ipv4]\nmethod=disabled\n',
      );
      for (const port of ['enp1s0', 'enp2s0'])
        writeFileSync(
          join(sub, `${port}.nmconnection`),
          `[connection]\nid=${port}\ntype=ethernet\ninterface-name=${port}\ncontroller=bond0\nport-type=bond\n`,
        );
      const error = await buildError(vm, { runId, caseIndex: 79, ...planOf([sub], { apply: 'networkmanager' }) });
      expect(error).toBeInstanceOf(NotAppliedError);
      expect((error as NotAppliedError).mismatches.map((m) => `${m.option} ${m.key}@${m.at.line} ${m.actual}`)).toEqual(
        ['slaves controller@5 (none)'],
      );
      const ignored = findings(readConfig([sub])).filter((f) => f.code === 'ignored-by-networkmanager');
      expect(ignored.map((f) => `${basename(f.at.file)}:${f.at.line}`)).toEqual([
        'enp1s0.nmconnection:5',
        'enp2s0.nmconnection:5',
      ]);
    });

    it('per-port prio and queue_id of a configured bond that bondlab builds itself: set with ip link after the ports joined, read back from the kernel', async () => {
      const sub = join(dir, 'nm-port-options');
      mkdirSync(sub);
      writeFileSync(
        join(sub, 'bond0.nmconnection'),
        '[connection]\nid=bond0\ntype=bond\ninterface-name=bond0\n\n[bond]\nmode=active-backup\nmiimon=100\n',
      );
      for (const [port, lines] of [
        ['enp1s0', 'prio=5\nqueue-id=1\n'],
        ['enp2s0', 'queue-id=3\n'],
      ] as const)
        writeFileSync(
          join(sub, `${port}.nmconnection`),
          `[connection]\nid=${port}\ntype=ethernet\ninterface-name=${port}\nmaster=bond0\nslave-type=bond\n\n[bond-port]\n${lines}`,
        );
      const plan = planOf([sub], { apply: null });
      expect(plan.bond.config?.apply).toBeUndefined();
      const built = await buildTopology(vm, { runId, caseIndex: 80, ...plan });
      try {
        const netns = built.topology.dut.netns;
        expect(await portData(vm, netns, 'eth0')).toMatchObject({ prio: 5, queue_id: 1 });
        expect(await portData(vm, netns, 'eth1')).toMatchObject({ prio: 0, queue_id: 3 });
      } finally {
        await built.teardown();
      }
    });
  },
);
