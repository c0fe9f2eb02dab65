import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../runner/results.js';
import { UsageError } from './errors.js';

/** A run's results from its results.json, or from the run directory that holds one. */
export async function readResults(path: string): Promise<{ run: RunResult; file: string }> {
  let file = path;
  let run: RunResult;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'results.json');
    run = JSON.parse(await readFile(file, 'utf8')) as RunResult;
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(run.cases) || !run.summary) throw new UsageError(`${file}: not a bondlab results file (no cases or summary)`);
  return { run, file };
}
