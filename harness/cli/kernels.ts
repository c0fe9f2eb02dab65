import { Command } from 'commander';
import { listCachedKernels, removeCachedKernels, resolveKernel } from '../vm/kernels.js';
import { cacheDir } from '../vm/paths.js';
import { interactive, printJson } from './output.js';
import { UsageError } from './errors.js';

export function registerKernels(program: Command): void {
  const kernels = program.command('kernels').description('list, fetch and remove the kernels the VM target boots');
  kernels
    .command('ls', { isDefault: true })
    .description('list cached kernels')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await listCachedKernels();
      if (options.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write(`no cached kernels in ${cacheDir()}\n`);
      for (const kernel of list) {
        process.stdout.write(
          `${kernel.release.padEnd(28)} ${(kernel.packageVersion ?? '').padEnd(20)} ${kernel.source}\n`,
        );
      }
    });
  kernels
    .command('fetch')
    .description('download and unpack kernels into the cache')
    .argument('<spec...>', 'debian:bookworm, debian:trixie, debian:sid, debian:<release>-amd64[=<version>]')
    .option('--refresh', 'refresh the package lists first')
    .option('--json', 'print JSON')
    .action(async (specs: string[], options: { refresh?: boolean; json?: boolean }) => {
      const fetched = [];
      for (const spec of specs) {
        const kernel = await resolveKernel(spec, {
          refresh: options.refresh,
          progress: interactive(process.stderr),
          log: (line) => process.stderr.write(`bondlab: ${line}\n`),
        });
        fetched.push(kernel);
        if (!options.json) process.stdout.write(`${spec}: ${kernel.release} ${kernel.packageVersion ?? ''}\n`);
      }
      if (options.json) printJson(fetched);
    });
  kernels
    .command('rm')
    .description('remove cached kernels')
    .argument('[release...]', 'releases or specs to remove')
    .option('--all', 'remove every cached kernel')
    .action(async (releases: string[], options: { all?: boolean }) => {
      if (!options.all && releases.length === 0) throw new UsageError('kernels rm: name a release or pass --all');
      const removed = await removeCachedKernels(options.all ? 'all' : releases);
      process.stdout.write(removed.length ? `removed ${removed.join(', ')}\n` : 'nothing removed\n');
    });
}
