/**
 * LAVA: one `lava-test-case` line per case, for a LAVA test definition's run steps to execute
 * (`bondlab report RUN --format lava`, then `sh lava-test-cases.sh`). A case's worst failover
 * outage is its measurement in ms; the test-case names are the case names in LAVA's alphabet.
 */
import type { CaseResult, RunResult } from '../runner/results.js';

/** LAVA's test case names: letters, digits, `-`, `_`, `.`; anything else becomes `_`. */
function lavaName(result: CaseResult): string {
  return `${result.name}${result.repetition > 1 ? `-${result.repetition}` : ''}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** passed -> pass, failed or error -> fail, inconclusive or interrupted -> skip (neither a pass nor a failure). */
function lavaResult(status: CaseResult['status']): 'pass' | 'fail' | 'skip' {
  if (status === 'passed') return 'pass';
  return status === 'failed' || status === 'error' ? 'fail' : 'skip';
}

export function lavaCommands(run: RunResult): string {
  const lines = [
    '#!/bin/sh',
    `# bondlab run ${run.runId}: one LAVA test case per case; the measurement is the longest outage (ms).`,
  ];
  for (const result of run.cases) {
    const outages = result.traffic.map((window) => window.totals.outageMs);
    const measurement = outages.length ? ` --measurement ${Math.max(...outages).toFixed(1)} --units ms` : '';
    lines.push(`lava-test-case ${lavaName(result)} --result ${lavaResult(result.status)}${measurement}`);
  }
  return `${lines.join('\n')}\n`;
}
