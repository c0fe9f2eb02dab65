import { join } from 'node:path';
import { Command, Option } from 'commander';
import {
  DEFAULT_CONSTRAINTS,
  readConstraintsFile,
  withGiven,
  type Constraints,
  type Monitor,
} from '../advise/constraints.js';
import type { Advice } from '../advise/advice.js';
import { advise } from '../advise/rank.js';
import { adviceHtmlPage, adviceMarkdown, adviceText } from '../advise/render.js';
import { writeReports } from '../report/write.js';
import { parseDuration } from '../scenario/duration.js';
import { MODES, formatInputError, type ModeName } from '../scenario/plan.js';
import { modeByNameOrNumber } from '../bond/vocabulary.js';
import { DEFAULT_KERNEL } from '../vm/kernels.js';
import { UsageError, exitCodes } from './errors.js';
import { runModeMatrix } from './matrix.js';
import { printJson } from './output.js';
import { readResults } from './results-file.js';
import { addTargetOptions, type TargetChoice } from './target-options.js';

interface AdviseOptions extends TargetChoice {
  constraints?: string;
  switch?: Constraints['switch'];
  singleFlowFaster?: boolean;
  spreadTransmit?: boolean;
  spreadReceive?: boolean;
  reordering?: Constraints['reordering'];
  duplicates?: Constraints['duplicates'];
  maxOutageCablePull?: string;
  maxOutageSwitchFailure?: string;
  monitoring?: string;
  results?: string;
  runMatrix?: boolean;
  modes?: string;
  kernel?: string;
  output: string;
  format: 'text' | 'markdown' | 'json' | 'html';
  json?: boolean;
}

function duration(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = parseDuration(/^\d+$/.test(value) ? Number(value) : value);
    if (ms > 3_600_000) throw new Error('over an hour');
    return ms;
  } catch {
    throw new UsageError(`${option}: "${value}" is not a duration such as 300ms or 2s (at most 3600s)`);
  }
}

function monitors(value: string | undefined): Monitor[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((m) => m.trim());
  const wrong = list.filter((m) => m !== 'mii' && m !== 'arp');
  if (wrong.length || !list.length)
    throw new UsageError(`--monitoring: "${value}" is not a list of mii and arp (e.g. mii,arp)`);
  return [...new Set(list)] as Monitor[];
}

/** `--modes active-backup,4`: mode names or numbers, each once. */
function modeList(value: string | undefined): ModeName[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((m) => m.trim());
  const modes = list.map((m) => modeByNameOrNumber(/^\d+$/.test(m) ? Number(m) : m));
  const wrong = list.filter((_, i) => modes[i] === undefined);
  if (wrong.length || !list.length)
    throw new UsageError(
      `--modes: ${wrong.map((m) => `"${m}"`).join(', ') || 'nothing'} is not a mode (${MODES.join(', ')} or 0-6)`,
    );
  return [...new Set(modes.filter((m): m is ModeName => m !== undefined))];
}

/** The file's constraints, then each flag given over it. */
async function constraintsOf(options: AdviseOptions): Promise<Constraints> {
  let base = DEFAULT_CONSTRAINTS;
  if (options.constraints) {
    const read = await readConstraintsFile(options.constraints);
    if ('errors' in read) throw new UsageError(read.errors.map(formatInputError).join('\n'));
    base = read.constraints;
  }
  return withGiven(base, {
    switch: options.switch,
    singleFlowFaster: options.singleFlowFaster,
    spreadTransmit: options.spreadTransmit,
    spreadReceive: options.spreadReceive,
    reordering: options.reordering,
    duplicates: options.duplicates,
    maxOutageCablePullMs: duration('--max-outage-cable-pull', options.maxOutageCablePull),
    maxOutageSwitchFailureMs: duration('--max-outage-switch-failure', options.maxOutageSwitchFailure),
    monitoring: monitors(options.monitoring),
  });
}

function print(advice: Advice, format: AdviseOptions['format']): void {
  if (format === 'json') printJson(advice);
  else
    process.stdout.write(
      format === 'markdown' ? adviceMarkdown(advice) : format === 'html' ? adviceHtmlPage(advice) : adviceText(advice),
    );
}

export function registerAdvise(program: Command): void {
  const command = program
    .command('advise')
    .description(
      'rank the seven bonding modes for your constraints, every reason citing a measured cell of a mode matrix or the kernel documentation',
    );
  addTargetOptions(command)
    .option(
      '-c, --constraints <file>',
      'a YAML file of constraints (harness/advise/constraints.schema.json); flags override it',
    )
    .addOption(new Option('--switch <offers>', 'what the switch offers').choices(['none', 'static', 'lacp']))
    .option('--single-flow-faster', 'one flow must go faster than one link')
    .option('--spread-transmit', 'many flows out must use more than one link')
    .option('--spread-receive', 'traffic in from several peers must use more than one link')
    .addOption(
      new Option('--reordering <tolerance>', 'packets of a flow arriving out of order').choices([
        'allowed',
        'forbidden',
      ]),
    )
    .addOption(new Option('--duplicates <tolerance>', 'a packet arriving twice').choices(['allowed', 'forbidden']))
    .option('--max-outage-cable-pull <duration>', 'longest outage accepted when a cable is pulled (e.g. 300ms)')
    .option(
      '--max-outage-switch-failure <duration>',
      'longest outage accepted when the path fails beyond the port and carrier stays up',
    )
    .option('--monitoring <list>', 'link monitors you can run: mii, arp (needs a target that answers ARP), or mii,arp')
    .option('-r, --results <path>', 'a mode-matrix run (results.json or its directory) to take the evidence from')
    .option('--run-matrix', 'run `bondlab matrix` now and take the evidence from it; its report.html gets the advice')
    .option(
      '--modes <list>',
      'with --run-matrix: measure only these modes (names or numbers, e.g. active-backup,802.3ad); the others rank as unmeasured',
    )
    .option(
      '-k, --kernel <spec>',
      `with --run-matrix: the kernel (default ${DEFAULT_KERNEL}); with --results: which kernel's rows (text in the target's description)`,
    )
    .option('-o, --output <dir>', 'with --run-matrix: where results go', 'reports')
    .addOption(
      new Option('-f, --format <format>', 'output').choices(['text', 'markdown', 'json', 'html']).default('text'),
    )
    .option('--json', 'same as --format json')
    .addHelpText(
      'after',
      `
Constraints file (every field optional):
  switch: lacp                 # none | static | lacp
  singleFlowFaster: false
  spreadTransmit: true
  spreadReceive: false
  reordering: forbidden        # allowed | forbidden
  duplicates: forbidden
  maxOutage: { cablePull: 300ms, switchFailure: 4s }
  monitoring: [mii]            # mii, arp

Exit codes: 0 a mode meets every constraint; 1 none does (the ranking still says which misses least);
2 bad input, or a results file with no mode matrix.`,
    )
    .action(async (options: AdviseOptions) => {
      if (Boolean(options.results) === Boolean(options.runMatrix))
        throw new UsageError('give the evidence: --results <results.json> or --run-matrix (one of them)');
      if (options.modes !== undefined && !options.runMatrix)
        throw new UsageError('--modes chooses what --run-matrix measures: give --run-matrix with it');
      const modes = modeList(options.modes);
      const constraints = await constraintsOf(options);
      const format = options.json ? 'json' : options.format;
      let advice: Advice | { error: string };
      if (options.results) {
        const { run, file } = await readResults(options.results);
        advice = advise(constraints, run, file, options.kernel);
        if ('error' in advice) throw new UsageError(`${file} ${advice.error}`);
      } else {
        const { result, dir } = await runModeMatrix({
          ...options,
          kernel: [options.kernel ?? DEFAULT_KERNEL],
          modes,
        });
        const file = join(dir, 'results.json');
        advice = advise(constraints, result, file);
        if ('error' in advice) throw new Error(`the matrix run ${advice.error}`);
        await writeReports({ ...result, advice }, dir);
        process.stderr.write(`results: ${file}\n`);
      }
      print(advice, format);
      process.exitCode = advice.ranking[0]?.fits ? exitCodes.ok : exitCodes.failed;
    });
}
