import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { RunResult } from '../runner/results.js';
import { REPORTERS, writeReports, type ReporterName } from '../report/write.js';
import { UsageError } from './errors.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run's reports again from its results.json")
    .argument('<results>', 'a results.json written by bondlab run')
    .option('-o, --output <dir>', 'where to write (default: beside the results file)')
    .addOption(new Option('-f, --format <names...>', 'which reports').choices(Object.keys(REPORTERS)).default(['junit', 'markdown', 'html']))
    .action(async (file: string, options: { output?: string; format: ReporterName[] }) => {
      let run: RunResult;
      try {
        run = JSON.parse(await readFile(file, 'utf8')) as RunResult;
      } catch (error) {
        throw new UsageError(`${file}: ${(error as Error).message}`);
      }
      if (!Array.isArray(run.cases) || !run.summary) throw new UsageError(`${file}: not a bondlab results file (no cases or summary)`);
      const written = await writeReports(run, resolve(options.output ?? dirname(file)), options.format);
      for (const path of written) process.stdout.write(`${path}\n`);
    });
}
