import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { listContainers, removeContainer } from '../container/container-target.js';
import { connectEngine, defaultDockerHost } from '../container/engine.js';
import { storePath } from '../container/image.js';
import { HostTarget } from '../target/host.js';
import { alive, ownedTempDirs, removeOwnedDir } from '../target/processes.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { cleanupRemote } from '../transport/remote-cleanup.js';
import { openSshTarget, type SshTargetOptions } from '../transport/ssh.js';
import { restoreJournals } from '../lab/journal.js';
import { recordingTarget } from '../lab/session.js';
import { fetchDirs } from '../vm/kernels.js';
import { printJson } from './output.js';
import { addSshOptions, sshTargetOptions, type SshChoice } from './target-options.js';

/** An engine image store that a killed run was still making: `<store>.<pid>.partial`. */
const PARTIAL_STORE = /\.(\d+)\.partial$/;

/**
 * A killed run's files: its temporary directories (`bondlab-<kind>-<pid>-*`, with what qemu
 * processes their pid files name), a half-made engine image store and a half-done kernel fetch.
 * Returns the paths removed and the processes killed.
 */
async function cleanupFiles(all: boolean): Promise<{ files: string[]; processes: number[] }> {
  const files: string[] = [];
  const processes: number[] = [];
  for (const dir of await ownedTempDirs()) {
    if (!all && alive(dir.pid)) continue;
    processes.push(...(await removeOwnedDir(dir.path)));
    files.push(dir.path);
  }
  const engines = dirname(storePath());
  const partialStores = (await readdir(engines).catch(() => [])).flatMap((name) => {
    const pid = Number(PARTIAL_STORE.exec(name)?.[1] ?? 0);
    return pid ? [{ path: join(engines, name), pid }] : [];
  });
  for (const left of [...partialStores, ...(await fetchDirs())]) {
    if (!all && alive(left.pid)) continue;
    await rm(left.path, { recursive: true, force: true });
    files.push(left.path);
  }
  return { files, processes };
}

function listed(what: string, items: string[], where = ''): string {
  return items.length
    ? `removed ${items.length} ${what}${where}:\n${items.map((item) => `  ${item}`).join('\n')}`
    : `no ${what} to remove${where}`;
}

function labLines(labs: Awaited<ReturnType<typeof restoreJournals>>): string[] {
  return labs.map(
    (l) =>
      `${l.problems.length ? 'could not fully restore' : 'restored'} the lab NICs of ${l.journal}: ${l.nics.join(', ')}${l.problems.map((p) => `\n  ${p}`).join('')}`,
  );
}

/** Another machine's leftovers, through an agent of this command's own there: namespaces and agent directories. */
async function cleanupOverSsh(ssh: SshTargetOptions, options: { all?: boolean; json?: boolean }): Promise<void> {
  const target = await openSshTarget(ssh);
  try {
    // Recorded as on this machine: --json shows every command the restore issued there.
    const labCommands: string[] = [];
    const removed = await cleanupRemote(target, { all: options.all, labCommands });
    if (removed.labs.some((l) => l.problems.length)) process.exitCode = 1;
    if (options.json) return printJson({ destination: ssh.destination, ...removed, labCommands });
    const where = ` on ${ssh.destination}`;
    process.stdout.write(
      `${[listed('namespace(s)', removed.namespaces, where), ...labLines(removed.labs), listed('agent directory(ies)', removed.dirs, where)].join('\n')}\n`,
    );
  } finally {
    await target.close();
  }
}

export function registerCleanup(program: Command): void {
  const command = program
    .command('cleanup')
    .description(
      "remove what killed runs left: bondlab's network namespaces on this machine, the lab NICs a killed run had taken over (put back from its journal), its temporary directories (VM work directories, engine disk overlays; a qemu still running from one is killed), a half-made engine image store or kernel download, and its containers on the engine DOCKER_HOST names. What belongs to a run whose process is alive is left alone",
    )
    .option('--all', 'also remove what runs that still look alive made')
    .option('--json', 'print JSON');
  addSshOptions(command)
    .addHelpText(
      'after',
      '\nWith --ssh, the machine it names instead of this one: namespaces of runs whose bondlab is gone, and the directories of agents that are gone.',
    )
    .action(async (options: SshChoice & { all?: boolean; json?: boolean }) => {
      const ssh = sshTargetOptions(options);
      if (ssh) return await cleanupOverSsh(ssh, options);
      const namespaces = await cleanupNamespaces(new HostTarget(), { all: options.all });
      const engine = await connectEngine().catch(() => undefined);
      const containers: string[] = [];
      if (engine) {
        for (const container of await listContainers(engine)) {
          if (!options.all && alive(container.pid)) continue;
          await removeContainer(engine, container.id);
          containers.push(container.id.slice(0, 12));
        }
      }
      // After the namespaces and containers: deleting them is what hands a killed run's lab NICs back to this machine.
      // Recorded, so that --json shows every command the restore issued (a test proves none names a NIC the lab does not list).
      const labCommands: string[] = [];
      const labs = await restoreJournals(recordingTarget(new HostTarget(), labCommands), { all: options.all });
      const { files, processes } = await cleanupFiles(options.all ?? false);
      if (labs.some((l) => l.problems.length)) process.exitCode = 1;
      if (options.json)
        return printJson({
          namespaces,
          labs,
          labCommands,
          files,
          processes,
          containers,
          engine: engine ? engine.host : null,
        });
      const lines = [
        listed('namespace(s)', namespaces),
        ...labLines(labs),
        listed('temporary file(s)', files),
        ...(processes.length ? [`killed ${processes.length} leftover process(es): ${processes.join(' ')}`] : []),
        engine
          ? listed('container(s)', containers, ` on ${engine.host}`)
          : `no Docker engine at ${defaultDockerHost()}: containers not checked`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (labs.some((l) => l.problems.length)) process.exitCode = 1;
    });
}
