import { Command } from 'commander';
import { HostTarget } from '../target/host.js';
import { cleanupNamespaces } from '../topology/cleanup.js';
import { printJson } from './output.js';

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description("remove what killed runs left on this machine: bondlab's network namespaces and the links in them (VMs leave nothing: they die with their run)")
    .option('--all', 'also remove namespaces of runs that still look alive')
    .option('--json', 'print JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const removed = await cleanupNamespaces(new HostTarget(), { all: options.all });
      if (options.json) return printJson({ namespaces: removed });
      process.stdout.write(removed.length ? `removed ${removed.length} namespace(s):\n${removed.map((n) => `  ${n}\n`).join('')}` : 'nothing to clean up\n');
    });
}
