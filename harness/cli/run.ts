import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadScenarioFiles } from '../scenario/load.js';
import { formatInputError, type ConfigBondRef, type ScenarioCase } from '../scenario/plan.js';
import { casesOnConfig, ConfigSelectionError } from '../config/suite.js';
import { APPLY_TOOLS } from '../config/scenario.js';
import { resultsToJson, type CaseResult, type RunResult } from '../runner/results.js';
import { defaultJobs, runScenarios } from '../runner/run.js';
import { parseShard, recordedDurations, type Shard } from '../runner/shard.js';
import { readResults } from './results-file.js';
import { UNSAFE_HOST_HOOKS_FLAG, hookRefusals } from '../runner/hook-policy.js';
import { finishOnSignal, runAll, stopSignal } from '../target/teardown.js';
import { newRunId } from '../topology/names.js';
import { writeReports } from '../report/write.js';
import { repeatsText } from '../report/repeats.js';
import { UsageError, exitCodes } from './errors.js';
import { addTargetOptions, targetSshOptions, type TargetChoice } from './target-options.js';
import { kernelOption } from './vm.js';
import { labForRun } from './lab.js';
import { numberArgument } from './numbers.js';
import { interactive, useColor } from './output.js';

function paint(code: string, text: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export function failureLines(result: CaseResult): string[] {
  const lines: string[] = [];
  if (result.error) lines.push(`    error: ${result.error}`);
  for (const step of result.steps.filter((s) => s.outcome === 'failed' || s.outcome === 'inconclusive')) {
    lines.push(`    step ${step.index}: ${step.description}`);
    for (const check of step.checks.filter((c) => !c.passed)) {
      lines.push(
        `      ${check.name}${check.disturbed ? ' (inconclusive)' : ''}`,
        `        expected: ${check.expected}`,
        `        actual:   ${check.actual}`,
      );
      if (check.disturbed) lines.push(`        why:      ${check.disturbed}`);
    }
  }
  return lines;
}

/** 1 when anything failed; else 3 when a claim could not be decided; else 0. */
export function runExitCode(summary: RunResult['summary']): number {
  if (summary.failed || summary.errors) return exitCodes.failed;
  if (summary.inconclusive) return exitCodes.inconclusive;
  return summary.passed === summary.total ? exitCodes.ok : exitCodes.failed;
}

export function summaryTable(run: RunResult, color: boolean): string {
  const width = Math.max(20, ...run.cases.map((c) => c.name.length));
  const lines = [`${'case'.padEnd(width)}  status        time`];
  for (const result of run.cases) {
    const status =
      result.status === 'passed'
        ? paint('32', 'passed      ', color)
        : paint(result.status === 'inconclusive' ? '33' : '31', result.status.padEnd(12), color);
    const retried = result.attempts?.length ? ` (after ${result.attempts.length} inconclusive attempt(s))` : '';
    lines.push(`${result.name.padEnd(width)}  ${status}  ${(result.durationMs / 1000).toFixed(1)}s${retried}`);
  }
  const { total, passed, failed, errors, inconclusive, interrupted } = run.summary;
  lines.push(
    '',
    `${passed} passed, ${failed} failed${inconclusive ? `, ${inconclusive} inconclusive` : ''}${errors ? `, ${errors} errors` : ''}${interrupted ? `, ${interrupted} interrupted` : ''} (${total} cases in ${(run.durationMs / 1000).toFixed(1)}s)`,
  );
  return lines.join('\n');
}

/** `--shard i/n`: a usage error (exit 2) naming the option when it is not one. */
function shardArgument(value: string): Shard {
  try {
    return parseShard(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function onConfig(
  cases: ScenarioCase[],
  files: string[],
  bond: string | undefined,
  apply: ConfigBondRef['apply'],
): ScenarioCase[] {
  try {
    return casesOnConfig(
      cases,
      files.map((f) => resolve(f)),
      bond,
      apply,
    );
  } catch (error) {
    if (error instanceof ConfigSelectionError) throw new UsageError(error.message);
    throw error;
  }
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run scenario files: build bonds, break links, check what the bond did')
    .argument('<paths...>', 'scenario files or directories');
  addTargetOptions(command)
    .addOption(kernelOption())
    .option('-f, --filter <pattern>', 'only cases whose name contains this text or matches this glob')
    .option(
      '--repeat <n>',
      'run each case n times: a pass rate per case, each measurement as median, min, max and IQR',
      numberArgument({ integer: true, min: 1 }),
      1,
    )
    .option(
      '--retry-inconclusive <n>',
      'run a case whose verdict is inconclusive (its measurement was disturbed) again, up to n times; every attempt is kept in results.json',
      numberArgument({ integer: true, min: 0 }),
      0,
    )
    .option('--bail', 'stop at the first failing case')
    .option(
      '-j, --jobs <n>',
      'cases at once, each on a VM of its own (vm target, container --engine vm); default: one per core, at most one per 1.5 GiB of free memory',
      numberArgument({ integer: true, min: 1 }),
    )
    .option(
      '--shard <i/n>',
      'run only shard i of n: cases split by name, the same split in every job (for CI matrices; join the runs with bondlab merge)',
      shardArgument,
    )
    .option(
      '--durations <results>',
      "with --shard: balance the shards by the case durations of an earlier run's results.json (longest first); with --jobs N: workers take the longest cases first by them (by default, by each case's configured waits and steps)",
    )
    .option(
      '--sample-interval <ms>',
      'how often the bond state is sampled inside the target, 10-1000 ms',
      numberArgument({ integer: true, min: 10, max: 1000 }),
      50,
    )
    .option('-o, --output <dir>', 'where results go (a directory per run is made in it)', 'reports')
    .option('--json', 'print the run result as JSON on stdout')
    .option(
      '--config <paths...>',
      'run the cases that apply to the bond of these configuration files (its mode and ports, no options of their own but link monitoring) on that bond, with exactly its options',
    )
    .option('--bond <name>', 'with --config: the bond of the files to run on')
    .addOption(
      new Option(
        '--apply <tool>',
        "with --config (--target vm): bring the bond up with the files' own tool instead of sysfs writes",
      ).choices(APPLY_TOOLS),
    )
    .option(
      '--capture',
      'keep the packets of each failover (tcpdump on every slave and far-side port): pcapng files in the run directory, linked from report.html',
    )
    .option('--lab <file>', 'run on the NICs a lab file names instead of veth pairs (see "Real NICs" in the README)')
    .option(
      UNSAFE_HOST_HOOKS_FLAG,
      'let hooks with "in: none" run as root in this machine\'s own namespaces on --target host, where they can cut its network (refused otherwise)',
    )
    .addHelpText(
      'after',
      "\nExit codes: 0 every case passed; 1 a case failed or could not run; 2 bad input; 3 nothing failed but some case was\ninconclusive (its measurement was disturbed: the probe stalled, the kernel's timers ran late), so the run proves nothing either way;\n130 (143, 129) stopped by SIGINT (SIGTERM, SIGHUP), with the results of the cases that finished.",
    )
    .action(
      async (
        paths: string[],
        options: TargetChoice & {
          lab?: string;
          kernel: string;
          filter?: string;
          repeat: number;
          retryInconclusive: number;
          bail?: boolean;
          jobs?: number;
          shard?: Shard;
          durations?: string;
          sampleInterval: number;
          output: string;
          json?: boolean;
          capture?: boolean;
          unsafeHostHooks?: boolean;
          config?: string[];
          bond?: string;
          apply?: ConfigBondRef['apply'];
        },
      ) => {
        const retryInconclusive = options.retryInconclusive;
        const ssh = targetSshOptions(options);
        const loaded = await loadScenarioFiles(paths, { filter: options.filter });
        const { errors } = loaded;
        if (errors.length) {
          for (const error of errors) process.stderr.write(`${formatInputError(error)}\n`);
          throw new UsageError(`${errors.length} error(s) in the scenario files; nothing was run`);
        }
        if (options.apply && !options.config) throw new UsageError('--apply goes with --config');
        const cases = options.config
          ? onConfig(loaded.cases, options.config, options.bond, options.apply)
          : loaded.cases;
        const refused = hookRefusals(cases, options.target, options);
        if (refused.length) {
          for (const error of refused) process.stderr.write(`${formatInputError(error)}\n`);
          throw new UsageError(
            `${refused.length} hook(s) would run as root in this machine's own namespaces; nothing was run`,
          );
        }
        const lab = options.lab
          ? await labForRun(options.lab, cases, options.target, ssh?.destination, options.engine)
          : undefined;
        if (cases.length === 0)
          throw new UsageError(
            `no scenario cases${options.filter ? ` match "${options.filter}"` : ''} in ${paths.join(', ')}`,
          );
        const jobs = options.jobs ?? defaultJobs(options.target, options.engine, undefined, options.lab !== undefined);
        if (options.durations && !options.shard && jobs === 1)
          throw new UsageError(
            '--durations balances shards and orders --jobs workers: give --shard i/n or --jobs N with it',
          );
        const durations = options.durations ? recordedDurations((await readResults(options.durations)).run) : undefined;
        const tty = interactive(process.stderr);
        const color = useColor(process.stderr);
        const say = (line: string) => process.stderr.write(`${line}\n`);
        const runId = newRunId();
        // Ctrl-C: the run stops in order and ends below with what it measured so far.
        finishOnSignal();
        // With --jobs cases overlap: each line names its case; a terminal shows every running case on the status line.
        const labels = new Map<number, string>();
        const running = new Map<number, string>();
        const showRunning = () =>
          process.stderr.write(
            `\r\x1b[K${[...running.values()].join(' | ').slice(0, (process.stderr.columns || 120) - 1)}`,
          );
        let passed = 0;
        let failed = 0;
        const result = await runScenarios(cases, {
          target: options.target,
          engine: options.engine,
          image: options.image,
          ssh,
          kernel: options.kernel,
          repeat: options.repeat,
          retryInconclusive,
          bail: options.bail,
          sampleIntervalMs: options.sampleInterval,
          runId,
          captureDir: options.capture ? resolve(options.output, runId) : undefined,
          unsafeHostHooks: options.unsafeHostHooks,
          jobs,
          shard: options.shard,
          durations,
          lab,
          log: (line) => say(`bondlab: ${line}`),
          onCaseStart: (scenarioCase, { index, total, repetition }) => {
            labels.set(
              index,
              `[${index + 1}/${total}] ${scenarioCase.name}${options.repeat > 1 ? ` #${repetition}` : ''}`,
            );
            if (!tty) say(`${labels.get(index)}: start`);
          },
          onStep: (step, index) => {
            if (tty && 'running' in step) {
              running.set(
                index,
                `${labels.get(index)} (${passed} passed, ${failed} failed) step ${step.index}: ${step.description}`,
              );
              showRunning();
            }
          },
          onRetry: (attempt, retry, index) => {
            if (tty) process.stderr.write('\r\x1b[K');
            say(
              `${labels.get(index)}: ${paint('33', 'INCONCLUSIVE', color)} (${(attempt.durationMs / 1000).toFixed(1)}s), retry ${retry} of ${retryInconclusive}`,
            );
            for (const line of failureLines(attempt)) say(line);
          },
          onCaseEnd: (caseResult, index) => {
            running.delete(index);
            if (caseResult.status === 'interrupted') return;
            if (caseResult.status === 'passed') passed++;
            else failed++;
            const mark =
              caseResult.status === 'passed'
                ? paint('32', 'ok', color)
                : paint(caseResult.status === 'inconclusive' ? '33' : '31', caseResult.status.toUpperCase(), color);
            if (tty) process.stderr.write('\r\x1b[K');
            say(`${labels.get(index)}: ${mark} (${(caseResult.durationMs / 1000).toFixed(1)}s)`);
            for (const line of failureLines(caseResult)) say(line);
            if (tty && running.size) showRunning();
          },
        });
        const dir = resolve(options.output, result.runId);
        await writeReports(result, dir);
        if (options.json) process.stdout.write(resultsToJson(result));
        const stop = stopSignal();
        if (stop) {
          if (tty) process.stderr.write('\r\x1b[K');
          const cut = result.cases.find((c) => c.status === 'interrupted');
          const finished = result.cases.length - (cut ? 1 : 0);
          say(
            `bondlab: stopped by ${stop.signal}${cut ? ` during ${cut.name}` : ''}; ${finished} case(s) finished, ${result.interruption?.notRun ?? 0} not run; results: ${join(dir, 'results.json')}`,
          );
          // Whatever a step abandoned at the signal (normally nothing: the run tore down in order).
          await runAll();
          process.exitCode = stop.exitCode;
          return;
        }
        say('');
        say(summaryTable(result, color));
        const repeats = repeatsText(result);
        if (repeats) say(`\n${repeats}`);
        say(`results: ${join(dir, 'results.json')} (and junit.xml, summary.md, report.html)`);
        process.exitCode = runExitCode(result.summary);
        if (result.lab?.restoreError) {
          say(`bondlab: ${result.lab.restoreError}`);
          process.exitCode = exitCodes.failed;
        }
      },
    );
}
