/**
 * The lab's journal: before bondlab touches a NIC it writes down everything a run may change, in
 * a root-only directory on the machine under test; after the run (and on failure, Ctrl-C, or
 * `bondlab cleanup` after a SIGKILL or power cut) the NICs are put back from it, newest change
 * first, found again by permanent MAC wherever the run left them.
 */
import { alive } from '../target/processes.js';
import { run, type Target } from '../target/target.js';
import { runOwnerPid } from '../topology/names.js';
import { returnFromContainer, stopLentContainer, type LentTo } from './container-netns.js';
import type { SwitchSide } from './lab.js';
import { listLinks, permanentMac, type IpLink, type NicState } from './nics.js';
import { runHook } from './switch.js';

/** On disk, not tmpfs: a power cut must not lose it. Made 0700, files 0600. */
export const JOURNAL_DIR = '/var/lib/bondlab/lab';

export interface LabJournal {
  runId: string;
  lab: string;
  createdAt: string;
  /** In the order they were taken over; restored in reverse. */
  nics: NicState[];
  /** A switch lab: the cables whose port the run has shut, and the hooks that re-open them. */
  switch?: { far: SwitchSide; shut: number[] };
  /** The container target's container the NICs are lent to, case by case (they leave this root namespace for its own). */
  container?: LentTo;
}

export function journalPath(runId: string): string {
  return `${JOURNAL_DIR}/${runId}.json`;
}

export async function writeJournal(target: Target, journal: LabJournal): Promise<string> {
  const path = journalPath(journal.runId);
  await run(target, ['sh', '-c', `umask 077 && mkdir -p ${JOURNAL_DIR} && chmod 0700 /var/lib/bondlab ${JOURNAL_DIR}`]);
  // Written whole under another name, then renamed: a journal is complete or absent.
  await run(
    target,
    ['sh', '-c', `umask 077 && cat > ${path}.partial && sync ${path}.partial && mv ${path}.partial ${path}`],
    { input: JSON.stringify(journal, null, 2) },
  );
  return path;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The journal's NICs, back as they were. NICs return from deleted namespaces asynchronously and
 * possibly under other names (`devN`); each is found by permanent MAC. Returns what could not
 * be put back (empty when everything was).
 */
export async function restoreNics(target: Target, nics: NicState[], waitMs = 10_000): Promise<string[]> {
  const problems: string[] = [];
  const deadline = performance.now() + waitMs;
  let links: IpLink[] = [];
  const where = (state: NicState) => links.find((l) => permanentMac(l) === state.permanentMac);
  for (;;) {
    links = await listLinks(target);
    if (nics.every(where) || performance.now() > deadline) break;
    await sleep(100);
  }
  const found = [...nics].reverse().filter((state) => {
    if (where(state)) return true;
    problems.push(`${state.label} (${state.permanentMac}) is not back in the root namespace`);
    return false;
  });
  const ip = (...args: string[]) => run(target, ['ip', ...args]);
  // First every NIC out of any bond, down, under a name no journal name can be: renames then never collide.
  for (const [i, state] of found.entries()) {
    const link = where(state);
    if (!link) continue;
    if (link.master) await ip('link', 'set', 'dev', link.ifname, 'nomaster');
    if (link.flags.includes('UP')) await ip('link', 'set', 'dev', link.ifname, 'down');
    if (link.ifname !== state.name) await ip('link', 'set', 'dev', link.ifname, 'name', `blrestore${i}`);
  }
  links = await listLinks(target);
  for (const state of found) {
    const link = where(state);
    if (!link) continue;
    if (link.ifname !== state.name) await ip('link', 'set', 'dev', link.ifname, 'name', state.name);
    const dev = state.name;
    if ((link.address ?? '').toLowerCase() !== state.mac) await ip('link', 'set', 'dev', dev, 'address', state.mac);
    if (link.mtu !== state.mtu) await ip('link', 'set', 'dev', dev, 'mtu', String(state.mtu));
    const sysctls = Object.entries(state.sysctls).map(
      ([key, value]) => `echo ${value} > /proc/sys/net/${key.replace('{dev}', dev)}`,
    );
    if (sysctls.length) await run(target, ['sh', '-c', `${sysctls.join('; ')}; true`]);
    const features = await target.exec(['ethtool', '-k', dev]);
    const changed = Object.entries(state.features).filter(
      ([name, value]) => new RegExp(`^\\s*${name}: (on|off)$`, 'm').exec(features.stdout)?.[1] !== value,
    );
    if (changed.length) await target.exec(['ethtool', '-K', dev, ...changed.flatMap(([name, value]) => [name, value])]);
    const addrs = JSON.parse((await run(target, ['ip', '-j', 'addr', 'show', 'dev', dev])).stdout || '[]') as {
      addr_info?: NicState['addresses'];
    }[];
    const now = (addrs[0]?.addr_info ?? []).filter((a) => !(a.family === 'inet6' && a.scope === 'link'));
    const key = (a: NicState['addresses'][number]) => `${a.local}/${a.prefixlen}`;
    for (const extra of now.filter((a) => !state.addresses.some((b) => key(a) === key(b))))
      await ip('addr', 'del', key(extra), 'dev', dev);
    for (const missing of state.addresses.filter((a) => !now.some((b) => key(a) === key(b))))
      await ip('addr', 'add', key(missing), 'dev', dev);
    // Deleting the root qdisc of a down NIC leaves it `noop` again, and its next up attaches the default
    // as before. The default has no handle and cannot be deleted, so one that can takes its place first.
    if (!state.up && state.qdisc === 'noop' && link.qdisc !== 'noop')
      await target.exec(['sh', '-c', `tc qdisc replace dev ${dev} root pfifo && tc qdisc del dev ${dev} root`]);
    if (state.up) await ip('link', 'set', 'dev', dev, 'up');
    for (const route of state.routes) {
      const dst = `${(route.dst as string | undefined) ?? 'default'}`;
      const gateway = route.gateway === undefined ? '' : `${route.gateway as string}`;
      const args = [
        dst,
        ...(gateway ? ['via', gateway] : []),
        'dev',
        dev,
        ...(route.metric !== undefined ? ['metric', `${route.metric as number}`] : []),
      ];
      const result = await target.exec([
        'ip',
        ...(dst.includes(':') || gateway.includes(':') ? ['-6'] : []),
        'route',
        'replace',
        ...args,
      ]);
      if (result.exitCode !== 0) problems.push(`${state.label}: route ${args.join(' ')}: ${result.stderr.trim()}`);
    }
    if (state.released) await target.exec(['nmcli', 'device', 'set', dev, 'managed', 'yes']);
  }
  return problems;
}

/** Journals of runs whose process is gone (all of them with `all`), restored and removed. */
export async function restoreJournals(
  target: Target,
  /** `alive`: whether a run's owner pid still runs (this machine's processes by default; over ssh, the remote's reckoning). */
  options: { all?: boolean; alive?: (pid: number) => Promise<boolean> } = {},
): Promise<{ journal: string; nics: string[]; problems: string[] }[]> {
  const listed = await target.exec(['sh', '-c', `ls ${JOURNAL_DIR} 2>/dev/null; true`]);
  const restored: { journal: string; nics: string[]; problems: string[] }[] = [];
  for (const name of listed.stdout.split('\n').filter((n) => n.endsWith('.json'))) {
    const pid = runOwnerPid(name.slice(0, -'.json'.length));
    const live = async (owner: number) => (options.alive ? await options.alive(owner) : alive(owner));
    if (!options.all && (pid === undefined || (await live(pid)))) continue;
    const path = `${JOURNAL_DIR}/${name}`;
    const journal = JSON.parse((await target.readFile(path)).toString('utf8')) as LabJournal;
    const problems: string[] = [];
    for (const index of [...(journal.switch?.shut ?? [])].reverse()) {
      const far = journal.switch?.far;
      if (far)
        await runHook(far, index, true, []).catch((e: unknown) =>
          problems.push(e instanceof Error ? e.message : String(e)),
        );
    }
    if (journal.container) {
      // Its engine removes the container first when cleanup reaches it; a container still running gives its own
      // namespace's NICs back, and ends (its case namespaces with it: the kernel hands their NICs back).
      const macs = journal.nics.map((n) => n.permanentMac);
      await returnFromContainer(target, journal.container, macs).catch((e: unknown) =>
        problems.push(e instanceof Error ? e.message : String(e)),
      );
      await stopLentContainer(target, journal.container);
    }
    problems.push(...(await restoreNics(target, journal.nics)));
    if (!problems.length) await run(target, ['rm', '-f', path]);
    restored.push({ journal: path, nics: journal.nics.map((n) => `${n.label} (${n.name})`), problems });
  }
  return restored;
}
