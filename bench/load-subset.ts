/**
 * The load test's subset of the shipped scenarios and a CPU hog that oversubscribes the machine,
 * shared by the CI test (harness/runner/load.vm.test.ts) and the benchmark (bench/load-agreement.ts).
 * The subset covers every mode, updelay and downdelay, ARP monitoring and LACP, plus the false-claim
 * fixtures, which must fail whatever the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../harness/package-root.js';
import type { RunResult } from '../harness/runner/results.js';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';

/** True claims: the kernel does what they say, so under load they may only pass or be inconclusive. */
export const TRUE_CLAIMS = {
  files: [
    'scenarios/all-modes.yaml',
    'scenarios/arp-target-lost.yaml',
    'scenarios/suite/documented-claims.yaml',
    'scenarios/traffic/mode-claims.yaml',
  ],
  scenarios: [
    'all-modes',
    'arp-target-lost',
    'updelay-delays-return',
    'lacp-negotiation-and-failover',
    'active-backup-traffic-failover',
    'downdelay-outage',
  ],
};

/** False claims: the kernel contradicts each, so each must fail, never pass nor be inconclusive. */
export const FALSE_CLAIMS = { files: ['fixtures/scenarios-false'] };

export interface LoadRun {
  result: RunResult;
  /** The names of the false-claim cases in the run. */
  falseClaims: Set<string>;
}

/** One run (one VM boot) of the true and the false claims together. */
export async function runSubset(options: { kernel?: string; log?: (line: string) => void } = {}): Promise<LoadRun> {
  const root = packageRoot();
  const truths = await loadScenarioFiles(TRUE_CLAIMS.files.map((f) => join(root, f)));
  const lies = await loadScenarioFiles(FALSE_CLAIMS.files.map((f) => join(root, f)));
  const errors = [...truths.errors, ...lies.errors];
  if (errors.length) throw new Error(`the load subset does not load: ${JSON.stringify(errors)}`);
  const cases = [...truths.cases.filter((c) => TRUE_CLAIMS.scenarios.includes(c.scenario)), ...lies.cases];
  const result = await runScenarios(cases, { target: 'vm', kernel: options.kernel, log: options.log });
  return { result, falseClaims: new Set(lies.cases.map((c) => c.name)) };
}

/**
 * One busy process per core beside the run: with the VM's own threads that oversubscribes the
 * CPU about twice over, as on a shared runner. The hogs end with this process, or after 30 minutes
 * if it is killed.
 */
export function oversubscribe(perCore = 1): { stop(): void; count: number } {
  const count = availableParallelism() * perCore;
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    hogs.push(
      spawn(process.execPath, ['-e', 'const end = Date.now() + 1_800_000; while (Date.now() < end);'], {
        stdio: 'ignore',
      }),
    );
  }
  const stop = () => {
    for (const hog of hogs) hog.kill('SIGKILL');
  };
  process.once('exit', stop);
  return { stop, count };
}

/** Verdicts that break the load test's promise: a true claim failed, or a false claim did not fail. */
export function wrongVerdicts(run: LoadRun): string[] {
  return run.result.cases.flatMap((c) => {
    const lie = run.falseClaims.has(c.name);
    if (lie && c.status !== 'failed') return [`false claim ${c.name}: ${c.status}, expected failed`];
    if (!lie && c.status !== 'passed' && c.status !== 'inconclusive')
      return [`true claim ${c.name}: ${c.status}${c.error ? ` (${c.error})` : ''}`];
    return [];
  });
}
