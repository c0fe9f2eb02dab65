import { Command } from 'commander';
import { cachedNmRoot, fetchNmRoot, nmRootDir } from '../config/nm-root.js';
import { UsageError } from './errors.js';
import { printJson } from './output.js';

/** The guest tools bondlab fetches rather than installs on the host. */
const TOOLS = ['network-manager'];

export function registerTools(program: Command): void {
  const tools = program
    .command('tools')
    .description('fetch the guest tools bondlab runs inside the VM without installing them on this machine');
  tools
    .command('ls', { isDefault: true })
    .description('list the fetched tools')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const nm = await cachedNmRoot();
      if (options.json) return printJson(nm ? [{ name: 'network-manager', ...nm }] : []);
      process.stdout.write(
        nm
          ? `network-manager ${nm.version} (${nm.packages.join(' ')}) in ${nm.root}\n`
          : `no tools fetched into ${nmRootDir()}\n`,
      );
    });
  tools
    .command('fetch')
    .description(
      "download Debian bookworm's packages of a tool and the libraries this machine lacks for it, and unpack them into the cache (nothing is installed)",
    )
    .argument('<tool>', TOOLS.join(', '))
    .option('--refresh', 'refresh the package lists and fetch again')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit codes: 0 fetched (or already there); 1 the download or unpacking failed; 2 usage.')
    .action(async (tool: string, options: { refresh?: boolean; json?: boolean }) => {
      if (!TOOLS.includes(tool))
        throw new UsageError(`tools fetch: unknown tool ${tool}; bondlab fetches ${TOOLS.join(', ')}`);
      try {
        const nm = await fetchNmRoot({
          refresh: options.refresh,
          log: (line) => process.stderr.write(`bondlab: ${line}\n`),
        });
        if (options.json) return printJson({ name: tool, ...nm });
        process.stdout.write(`network-manager ${nm.version}: ${nm.root}\n`);
      } catch (error) {
        process.stderr.write(`bondlab: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
