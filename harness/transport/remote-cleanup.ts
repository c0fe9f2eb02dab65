/**
 * What killed runs left on a machine reached over ssh: `bondlab cleanup --ssh DEST`, and the pass
 * a `run --target ssh` makes before it starts. A namespace's owner pid there is the pid of the
 * bondlab that made it, on that bondlab's own machine; so an owner counts as alive when a live
 * agent on the machine was started by a bondlab of that pid (its directory's name says so), or when
 * a process of that pid runs on the machine (bondlab run there directly). Both err towards keeping.
 */
import { dirname, join } from 'node:path';
import { restoreJournals } from '../lab/journal.js';
import { recordingTarget } from '../lab/session.js';
import { run } from '../target/target.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { REMOTE_AGENT_DIR, type SshTarget } from './ssh.js';

interface AgentDir {
  path: string;
  controllerPid: number;
  alive: boolean;
}

export interface RemoteCleanup {
  namespaces: string[];
  /** Lab journals of killed runs there, their NICs put back (and switch ports re-opened). */
  labs: Awaited<ReturnType<typeof restoreJournals>>;
  /** Agent directories whose agent is gone (a remote crash, a SIGKILL there). */
  dirs: string[];
}

/** The agent directories beside this target's own, and whether each one's agent still runs. */
async function agentDirs(target: SshTarget): Promise<AgentDir[]> {
  const parent = dirname(target.remoteDir);
  const listed = await run(target, ['ls', '-1', '--', parent]);
  const dirs: AgentDir[] = [];
  for (const name of listed.stdout.split('\n')) {
    const match = REMOTE_AGENT_DIR.exec(name);
    if (!match?.[1] || !match[2]) continue;
    const path = join(parent, name);
    // A pid reused by another process does not keep a directory: the agent's command line names it.
    const cmdline = await target.readFile(`/proc/${match[1]}/cmdline`).then(
      (data) => data.toString('utf8'),
      () => '',
    );
    dirs.push({ path, controllerPid: Number(match[2]), alive: cmdline.includes(path) });
  }
  return dirs;
}

/** Owner pids that count as alive on the machine: its own processes, and the bondlabs its live agents serve. */
async function liveOwners(target: SshTarget, dirs: AgentDir[]): Promise<Set<number>> {
  const processes = await run(target, ['ls', '-1', '/proc']);
  const pids = processes.stdout
    .split('\n')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  return new Set([...pids, ...dirs.filter((dir) => dir.alive).map((dir) => dir.controllerPid)]);
}

export async function cleanupRemote(
  target: SshTarget,
  /** `labCommands`: where the commands that restore lab NICs are written down, one line each. */
  options: { all?: boolean; labCommands?: string[] } = {},
): Promise<RemoteCleanup> {
  // Asked once, after the namespaces are listed: a run that starts meanwhile is seen alive.
  let owners: Promise<Set<number>> | undefined;
  const namespaces = await cleanupNamespaces(target, {
    all: options.all,
    alive: async (pid) => (await (owners ??= agentDirs(target).then((dirs) => liveOwners(target, dirs)))).has(pid),
  });
  // After the namespaces: deleting them is what hands a killed run's lab NICs back to the machine.
  const labs = await restoreJournals(options.labCommands ? recordingTarget(target, options.labCommands) : target, {
    all: options.all,
    alive: async (pid) => (await (owners ??= agentDirs(target).then((dirs) => liveOwners(target, dirs)))).has(pid),
  });
  const stale = (await agentDirs(target)).filter((dir) => dir.path !== target.remoteDir && (options.all || !dir.alive));
  if (stale.length) await run(target, ['rm', '-rf', '--', ...stale.map((dir) => dir.path)]);
  return { namespaces, labs, dirs: stale.map((dir) => dir.path) };
}
