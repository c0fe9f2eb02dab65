/**
 * What a bond keeps per port: queue_id (which transmit queue of the bond the port's traffic is
 * steered to by tc filters; sysfs bonding/queue_id takes "eth0:2", netlink
 * IFLA_BOND_SLAVE_QUEUE_ID) and prio (Linux 6.0, IFLA_BOND_SLAVE_PRIO, netlink only: the port's
 * rank when the active port is chosen again, in active-backup, balance-tlb and balance-alb).
 * bondlab sets them with `ip link set PORT type bond_slave`, and reads them back from
 * `ip -d -j link show`.
 */
import type { Target } from '../target/target.js';
import { mapper, releaseBefore, type Mismatch, type Names } from './apply.js';
import type { ConfigBond } from './model.js';

export const PRIO_MODES = ['active-backup', 'balance-tlb', 'balance-alb'];
export const PRIO_SINCE = '6.0';

/** The `ip link set` lines that give the mapped ports their settings (after they joined the bond). */
export function portSettingCommands(bond: ConfigBond, names: Names): string[] {
  const map = mapper(bond, names);
  return (bond.portOptions ?? []).map(
    (set) => `ip link set dev ${map(set.port)} type bond_slave ${set.option} ${set.value}`,
  );
}

interface SlaveData {
  queue_id?: number;
  prio?: number;
}

/** Every per-port setting the kernel does not show as written, read in the bond's namespace. */
export async function comparePortOptions(
  target: Pick<Target, 'exec'>,
  netns: string,
  bond: ConfigBond,
  names: Names,
): Promise<Mismatch[]> {
  const sets = bond.portOptions ?? [];
  if (!sets.length) return [];
  const map = mapper(bond, names);
  const shown = await target.exec(['ip', '-d', '-j', 'link', 'show'], { netns });
  const links = JSON.parse(shown.stdout || '[]') as {
    ifname: string;
    linkinfo?: { info_slave_kind?: string; info_slave_data?: SlaveData };
  }[];
  const release = (await target.exec(['uname', '-r'])).stdout.trim();
  const mismatches: Mismatch[] = [];
  for (const set of sets) {
    const port = map(set.port);
    const link = links.find((l) => l.ifname === port);
    const data = link?.linkinfo?.info_slave_kind === 'bond' ? link.linkinfo.info_slave_data : undefined;
    const actual = data?.[set.option];
    if (actual !== undefined && String(actual) === set.value) continue;
    const mismatch: Mismatch = {
      option: `${set.option} of ${port}`,
      expected: set.value,
      actual: data ? String(actual ?? '(not shown)') : `${port} is no port of ${names.bond}`,
      key: set.key,
      at: set.at,
    };
    if (data && actual === undefined && set.option === 'prio' && releaseBefore(release, PRIO_SINCE))
      mismatch.absent = `the running kernel (Linux ${release}) has no per-port prio: it came with Linux ${PRIO_SINCE}`;
    mismatches.push(mismatch);
  }
  return mismatches;
}
