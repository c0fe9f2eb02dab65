import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { REPORTERS, writeReports, type ReporterName } from '../report/write.js';
import { readResults } from './results-file.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run's reports again from its results.json")
    .argument('<results>', 'a results.json written by bondlab run, or its run directory')
    .option('-o, --output <dir>', 'where to write (default: beside the results file)')
    .addOption(
      new Option('-f, --format <names...>', 'which reports')
        .choices(Object.keys(REPORTERS))
        .default(['junit', 'markdown', 'html']),
    )
    .action(async (path: string, options: { output?: string; format: ReporterName[] }) => {
      const { run, file } = await readResults(path);
      const written = await writeReports(run, resolve(options.output ?? dirname(file)), options.format);
      process.stdout.write(written.map((p) => `${p}\n`).join(''));
    });
}
