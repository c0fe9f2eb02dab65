/**
 * Shards joined: the runs of `bondlab run --shard i/n` (one per CI job, on kernels and targets of
 * their own) as one run, each case labelled with the shard it came from.
 */
import { summarizeRepeats } from './repeats.js';
import { runSummary, type CaseResult, type RunResult } from './results.js';
import { parseShard } from './shard.js';

/** Input that cannot be merged: named by its file. */
export class MergeError extends Error {
  override name = 'MergeError';
}

export interface MergeInput {
  run: RunResult;
  /** Where it was read from, for errors. */
  file: string;
}

export interface Merged {
  run: RunResult;
  /** Shards of `i/n` that no input holds: their cases are missing from the merged run. */
  missingShards: string[];
}

/** Where a merged case ran, for the reports: `shard 2/3, kernel debian:trixie, vm (...)`; undefined for an unmerged case. */
export function caseOrigin(result: CaseResult): string | undefined {
  return result.shard
    ? `shard ${result.shard}${result.kernel ? `, kernel ${result.kernel}` : ''}, ${result.target}`
    : undefined;
}

/** A case run's identity across shards: a case runs once per repetition on each kernel and target. */
function caseKey(result: CaseResult): string {
  return JSON.stringify([result.name, result.repetition, result.kernel ?? '', result.target]);
}

/** The shards of each count that no input holds (`2/3` when only 1/3 and 3/3 were given). */
function missing(runs: RunResult[]): string[] {
  const byCount = new Map<number, Set<number>>();
  for (const shard of runs.map((r) => r.shard).filter((s): s is string => s !== undefined)) {
    const { index, count } = parseShard(shard);
    byCount.set(count, (byCount.get(count) ?? new Set()).add(index));
  }
  return [...byCount].flatMap(([count, seen]) =>
    Array.from({ length: count }, (_, i) => i + 1)
      .filter((i) => !seen.has(i))
      .map((i) => `${i}/${count}`),
  );
}

/**
 * One run from several: every case of every input, in the suite's listed order where the shards
 * recorded it (else in the order given), the run's span from the first start to the last end.
 * Refused: inputs of different bondlab versions (their results need not mean the same), and the
 * same case run twice (one shard given twice, or overlapping shards).
 */
export function mergeRuns(inputs: MergeInput[], runId: string): Merged {
  const first = inputs[0];
  if (!first) throw new MergeError('nothing to merge');
  for (const { run, file } of inputs) {
    if (run.bondlabVersion !== first.run.bondlabVersion) {
      throw new MergeError(
        `${file}: written by bondlab ${run.bondlabVersion}, ${first.file} by bondlab ${first.run.bondlabVersion}: results of different versions are not merged`,
      );
    }
  }
  const seen = new Map<string, string>();
  const cases: { result: CaseResult; order: number }[] = [];
  for (const { run, file } of inputs) {
    for (const result of run.cases) {
      const key = caseKey(result);
      const earlier = seen.get(key);
      if (earlier)
        throw new MergeError(
          `${file}: case ${result.name}${result.repetition > 1 ? ` #${result.repetition}` : ''} on ${result.target} is also in ${earlier} (the same shard given twice?)`,
        );
      seen.set(key, file);
      cases.push({ result: run.shard ? { ...result, shard: run.shard } : result, order: cases.length });
    }
  }
  const sorted = cases
    .sort(
      (a, b) =>
        (a.result.suiteIndex ?? Infinity) - (b.result.suiteIndex ?? Infinity) ||
        a.result.repetition - b.result.repetition ||
        a.order - b.order,
    )
    .map(({ result }) => result);
  const starts = inputs.map(({ run }) => Date.parse(run.startedAt));
  const ends = inputs.map(({ run }) => Date.parse(run.startedAt) + run.durationMs);
  const interrupted = inputs.map(({ run }) => run.interruption).filter((i) => i !== undefined);
  const run: RunResult = {
    runId,
    startedAt: new Date(Math.min(...starts)).toISOString(),
    durationMs: Math.max(...ends) - Math.min(...starts),
    bondlabVersion: first.run.bondlabVersion,
    mergedFrom: inputs.map(({ run: r }) => r.runId),
    targets: [...new Set(inputs.flatMap(({ run: r }) => r.targets))],
    cases: sorted,
    summary: runSummary(sorted),
    repeats: summarizeRepeats(sorted),
    ...(interrupted[0]
      ? { interruption: { signal: interrupted[0].signal, notRun: interrupted.reduce((n, i) => n + i.notRun, 0) } }
      : {}),
  };
  return { run, missingShards: missing(inputs.map((i) => i.run)) };
}
