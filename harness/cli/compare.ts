import { Command } from 'commander';
import { DEFAULT_TOLERANCE, compareRuns, comparisonMarkdown, comparisonText } from '../report/compare.js';
import { exitCodes } from './errors.js';
import { printJson } from './output.js';
import { readResults } from './results-file.js';
import { numberArgument } from './numbers.js';

const nonNegative = numberArgument({ min: 0 });

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two runs: verdicts (pass rates with --repeat) that changed and measurements that moved beyond a tolerance, tested for significance when both runs repeated cases; exit 1 on a regression',
    )
    .argument('<baseline>', 'results.json (or run directory) of the reference run')
    .argument('<current>', 'results.json (or run directory) of the run under review')
    .option(
      '--outage-ratio <fraction>',
      'an outage or failover time is worse when it grows by more than this fraction',
      nonNegative,
      DEFAULT_TOLERANCE.outageRatio,
    )
    .option('--outage-ms <ms>', '... and by more than this many ms', nonNegative, DEFAULT_TOLERANCE.outageMs)
    .option(
      '--loss <fraction>',
      'loss is worse when it grows by more than --outage-ratio of itself and by more than this',
      nonNegative,
      DEFAULT_TOLERANCE.lossRatio,
    )
    .option(
      '--throughput-ratio <fraction>',
      'throughput is worse when it drops by more than this fraction',
      nonNegative,
      DEFAULT_TOLERANCE.throughputRatio,
    )
    .option(
      '--alpha <p>',
      'a measurement that moved is a regression only when the Mann-Whitney U test (runs with --repeat) gives p below this',
      numberArgument({ min: 0, max: 1 }),
      DEFAULT_TOLERANCE.alpha,
    )
    .option('--json', 'print the comparison as JSON')
    .option('--markdown', 'print the comparison as Markdown')
    .action(
      async (
        baselinePath: string,
        currentPath: string,
        options: {
          outageRatio: number;
          outageMs: number;
          loss: number;
          throughputRatio: number;
          alpha: number;
          json?: boolean;
          markdown?: boolean;
        },
      ) => {
        const [{ run: baseline }, { run: current }] = await Promise.all([
          readResults(baselinePath),
          readResults(currentPath),
        ]);
        const comparison = compareRuns(baseline, current, {
          outageRatio: options.outageRatio,
          outageMs: options.outageMs,
          lossRatio: options.loss,
          throughputRatio: options.throughputRatio,
          alpha: options.alpha,
        });
        if (options.json) printJson(comparison);
        else process.stdout.write(options.markdown ? comparisonMarkdown(comparison) : comparisonText(comparison));
        process.exitCode = comparison.regressions > 0 ? exitCodes.failed : exitCodes.ok;
      },
    );
}
