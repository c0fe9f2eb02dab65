import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../package-root.js';
import { matrixMarkdown, matrixTable, modeMatrix } from '../report/matrix.js';
import { writeReports } from '../report/write.js';
import type { RunResult } from '../runner/results.js';
import { bringsOwnKernel, runScenarios } from '../runner/run.js';
import { loadScenarioFiles } from '../scenario/load.js';
import { formatInputError, type ModeName } from '../scenario/plan.js';
import { newRunId } from '../topology/names.js';
import { DEFAULT_KERNEL } from '../vm/kernels.js';
import { UsageError } from './errors.js';
import { runExitCode } from './run.js';
import { printJson } from './output.js';
import { addTargetOptions, targetSshOptions, type TargetChoice } from './target-options.js';

/** The mode-matrix suite run on each kernel (only `modes`, when given); the caller writes the reports into `dir`. */
export async function runModeMatrix(
  options: TargetChoice & { kernel: string[]; output: string; modes?: readonly ModeName[] },
): Promise<{ result: RunResult; dir: string }> {
  const suite = join(packageRoot(), 'scenarios', 'suite', 'mode-matrix.yaml');
  const { cases: suiteCases, errors } = await loadScenarioFiles([suite]);
  if (errors.length) throw new UsageError(errors.map(formatInputError).join('\n'));
  const cases = suiteCases.filter((c) => !options.modes || options.modes.includes(c.bond.mode));
  const kernels = bringsOwnKernel(options.target, options.engine) ? options.kernel : [options.target];
  const perKernel = kernels.flatMap((kernel) =>
    cases.map((c) => ({
      ...c,
      kernel,
      name: kernels.length > 1 ? c.name.replace(/\]$/, `,kernel=${kernel}]`) : c.name,
    })),
  );
  const runId = newRunId();
  const result = await runScenarios(perKernel, {
    target: options.target,
    engine: options.engine,
    image: options.image,
    ssh: targetSshOptions(options),
    runId,
    log: (line) => process.stderr.write(`bondlab: ${line}\n`),
    onCaseEnd: (c) =>
      process.stderr.write(
        `${c.name}: ${c.status} (${(c.durationMs / 1000).toFixed(1)}s)${c.error ? ` ${c.error}` : ''}\n`,
      ),
  });
  return { result, dir: resolve(options.output, result.runId) };
}

export function registerMatrix(program: Command): void {
  const command = program
    .command('matrix')
    .description(
      'measure every bonding mode under the same traffic and faults, and print the table that says which fits',
    );
  addTargetOptions(command)
    .option('-k, --kernel <spec...>', 'one or more kernels, side by side (VM target)', [DEFAULT_KERNEL])
    .option('-o, --output <dir>', 'where results go', 'reports')
    .option('--json', 'print the rows as JSON')
    .option('--markdown', 'print the table as Markdown')
    .addHelpText(
      'after',
      '\nExit codes: 0 every mode passed; 1 a case failed; 2 bad input; 3 nothing failed but some case was inconclusive (its measurement was disturbed).',
    )
    .action(
      async (options: TargetChoice & { kernel: string[]; output: string; json?: boolean; markdown?: boolean }) => {
        const { result, dir } = await runModeMatrix(options);
        await writeReports(result, dir);
        const rows = modeMatrix(result);
        if (options.json) printJson(rows);
        else process.stdout.write(options.markdown ? matrixMarkdown(rows) : matrixTable(rows));
        process.stderr.write(`results: ${join(dir, 'results.json')}\n`);
        process.exitCode = runExitCode(result.summary);
      },
    );
}
