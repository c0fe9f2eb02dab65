import { Command } from 'commander';
import { listContainers, removeContainer } from '../container/container-target.js';
import { connectEngine, defaultDockerHost } from '../container/engine.js';
import { HostTarget } from '../target/host.js';
import { alive } from '../target/processes.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { printJson } from './output.js';

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description(
      "remove what killed runs left: bondlab's network namespaces on this machine and its containers on the engine DOCKER_HOST names (VMs leave nothing: they die with their run)",
    )
    .option('--all', 'also remove what runs that still look alive made')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
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
      if (options.json) return printJson({ namespaces, containers, engine: engine ? engine.host : null });
      const lines = [
        namespaces.length ? `removed ${namespaces.length} namespace(s):\n${namespaces.map((n) => `  ${n}`).join('\n')}` : 'no namespaces to remove',
        engine
          ? containers.length ? `removed ${containers.length} container(s) from ${engine.host}:\n${containers.map((c) => `  ${c}`).join('\n')}` : `no containers to remove on ${engine.host}`
          : `no Docker engine at ${defaultDockerHost()}: containers not checked`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
