import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { MergeError, mergeRuns, type Merged } from '../runner/merge.js';
import { resultsToJson } from '../runner/results.js';
import { writeReports } from '../report/write.js';
import { newRunId } from '../topology/names.js';
import { UsageError, exitCodes } from './errors.js';
import { readResults } from './results-file.js';
import { runExitCode, summaryTable } from './run.js';
import { useColor } from './output.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description(
      "join the runs of a suite's shards (bondlab run --shard i/n, one per CI job) into one run: results.json, junit.xml, summary.md and report.html, each case labelled with its shard, kernel and target",
    )
    .argument('<runs...>', 'run directories or results.json files, one per shard (and kernel, and target)')
    .option('-o, --output <dir>', 'where the merged run goes (a directory per run is made in it)', 'reports')
    .option('--json', 'print the merged results as JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: as bondlab run for the merged cases (0 all passed, 1 a case failed, 3 inconclusive); 1 also when a shard of i/n is missing;\n2 an input that is not a bondlab results file, results of different bondlab versions, or a case in two inputs.',
    )
    .action(async (paths: string[], options: { output: string; json?: boolean }) => {
      const inputs = [];
      for (const path of paths) inputs.push(await readResults(path));
      let merged: Merged;
      try {
        merged = mergeRuns(inputs, `${newRunId()}-merged`);
      } catch (error) {
        if (error instanceof MergeError) throw new UsageError(error.message);
        throw error;
      }
      const { run, missingShards } = merged;
      const dir = resolve(options.output, run.runId);
      await writeReports(run, dir);
      if (options.json) process.stdout.write(resultsToJson(run));
      const say = (line: string) => process.stderr.write(`${line}\n`);
      say(summaryTable(run, useColor(process.stderr)));
      if (missingShards.length)
        say(`bondlab: shard(s) ${missingShards.join(', ')} missing: their cases are not in the merged run`);
      say(`results: ${join(dir, 'results.json')} (and junit.xml, summary.md, report.html)`);
      process.exitCode = missingShards.length ? exitCodes.failed : runExitCode(run.summary);
    });
}
