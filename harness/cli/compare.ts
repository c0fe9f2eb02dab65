import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TOLERANCE, compareRuns, comparisonMarkdown, comparisonText } from '../report/compare.js';
import { exitCodes } from './errors.js';
import { printJson } from './output.js';
import { readResults } from './results-file.js';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two runs: claims that changed verdict and measurements that moved beyond a tolerance; exit 1 on a regression')
    .argument('<baseline>', 'results.json (or run directory) of the reference run')
    .argument('<current>', 'results.json (or run directory) of the run under review')
    .option('--outage-ratio <fraction>', 'an outage or failover time is worse when it grows by more than this fraction', nonNegative, DEFAULT_TOLERANCE.outageRatio)
    .option('--outage-ms <ms>', '... and by more than this many ms', nonNegative, DEFAULT_TOLERANCE.outageMs)
    .option('--loss <fraction>', 'loss is worse when it grows by more than --outage-ratio of itself and by more than this', nonNegative, DEFAULT_TOLERANCE.lossRatio)
    .option('--throughput-ratio <fraction>', 'throughput is worse when it drops by more than this fraction', nonNegative, DEFAULT_TOLERANCE.throughputRatio)
    .option('--json', 'print the comparison as JSON')
    .option('--markdown', 'print the comparison as Markdown')
    .action(async (baselinePath: string, currentPath: string, options: { outageRatio: number; outageMs: number; loss: number; throughputRatio: number; json?: boolean; markdown?: boolean }) => {
      const [{ run: baseline }, { run: current }] = await Promise.all([readResults(baselinePath), readResults(currentPath)]);
      const comparison = compareRuns(baseline, current, { outageRatio: options.outageRatio, outageMs: options.outageMs, lossRatio: options.loss, throughputRatio: options.throughputRatio });
      if (options.json) printJson(comparison);
      else process.stdout.write(options.markdown ? comparisonMarkdown(comparison) : comparisonText(comparison));
      process.exitCode = comparison.regressions > 0 ? exitCodes.failed : exitCodes.ok;
    });
}
