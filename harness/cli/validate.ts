import './short-lived.js';
import { Command } from 'commander';
import { LIMITS } from '../scenario/limits.js';
import { loadScenarioFiles } from '../scenario/load.js';
import { formatInputError } from '../scenario/plan.js';
import { exitCodes } from './errors.js';
import { printJson } from './output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check scenario files without running anything')
    .argument('<paths...>', 'scenario files or directories')
    .option('--list', 'list the expanded case names')
    .option('--json', 'print the expanded cases, or the errors, as JSON')
    .addHelpText(
      'after',
      `\nLimits: regular files of at most ${LIMITS.fileBytes} bytes; at most ${LIMITS.casesPerScenario} cases per scenario and ${LIMITS.casesInAll} in all;\n` +
        `at most ${LIMITS.steps} steps per scenario; durations of at most ${LIMITS.durationMs / 1000} s; driver options within the driver's ranges.\n` +
        'Exit codes: 0 valid, 2 errors, each as file:line:column: field: message.',
    )
    .action(async (paths: string[], options: { list?: boolean; json?: boolean }) => {
      const { cases, errors } = await loadScenarioFiles(paths);
      if (options.json) printJson(errors.length ? { errors } : { cases });
      else if (errors.length) for (const error of errors) process.stderr.write(`${formatInputError(error)}\n`);
      else {
        const files = new Set(cases.map((c) => c.file));
        process.stdout.write(`ok: ${cases.length} cases from ${files.size} files\n`);
        if (options.list) for (const c of cases) process.stdout.write(`${c.name}\n`);
      }
      process.exitCode = errors.length ? exitCodes.usage : exitCodes.ok;
    });
}
