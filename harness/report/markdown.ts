/** A Markdown summary for a CI job page: the verdicts, then what failed, measured against expected. */
import { percent } from './format.js';
import { captureMarkdown } from '../capture/report.js';
import type { RunResult } from '../runner/results.js';
import { caseOrigin } from '../runner/merge.js';
import { repeatsOf } from '../runner/repeats.js';
import { failureMessage, inconclusiveMessage } from './junit.js';
import { measurementText, passRateText } from './repeats.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownSummary(run: RunResult): string {
  const { total, passed, failed, errors, inconclusive, interrupted } = run.summary;
  const stopped = run.interruption
    ? ` Stopped by ${run.interruption.signal}: ${run.interruption.notRun} case(s) not run.`
    : '';
  const lines = [
    `## bondlab: ${passed}/${total} passed${failed ? `, ${failed} failed` : ''}${inconclusive ? `, ${inconclusive} inconclusive` : ''}${errors ? `, ${errors} errors` : ''}${interrupted ? `, ${interrupted} interrupted` : ''}`,
    '',
    `Run ${run.runId} on ${run.targets.join(', ')} in ${(run.durationMs / 1000).toFixed(1)} s.${stopped}`,
    '',
    '| case | verdict | time | measured |',
    '| --- | --- | --- | --- |',
  ];
  for (const result of run.cases) {
    const verdict =
      result.status === 'passed'
        ? 'passed'
        : result.status === 'inconclusive'
          ? '_inconclusive_'
          : `**${result.status}**`;
    const measured = [
      ...result.traffic.map(
        (w) =>
          `outage ${w.totals.outageMs.toFixed(0)} ms, loss ${percent(w.totals.lossRatio)}, ${w.perSlave.map((s) => `${s.slave} ${percent(Math.max(s.txShare, s.rxShare), 0)}`).join('/')}`,
      ),
      ...result.throughput.map(
        (t) =>
          `${(t.totalBps / 1e6).toFixed(0)} Mbit/s = ${t.factor.toFixed(2)}x one link${t.capacityBps === undefined ? '' : ` (machine ${(t.capacityBps / 1e6).toFixed(0)} Mbit/s unshaped)`}`,
      ),
    ].join('; ');
    const origin = caseOrigin(result);
    lines.push(
      `| ${cell(result.name)}${origin ? ` (${cell(origin)})` : ''} | ${verdict} | ${(result.durationMs / 1000).toFixed(1)} s | ${cell(measured)} |`,
    );
  }
  const repeats = repeatsOf(run);
  if (repeats) {
    lines.push(
      '',
      '### Repeats',
      '',
      '| case | runs | measurement | over the repetitions |',
      '| --- | --- | --- | --- |',
    );
    for (const r of repeats) {
      const runs = r.flaky ? `**${passRateText(r)}**` : passRateText(r);
      const measured = r.measurements.filter((m) => m.headline);
      if (!measured.length) lines.push(`| ${cell(r.name)} | ${runs} | | |`);
      measured.forEach((m, i) =>
        lines.push(
          `| ${i === 0 ? cell(r.name) : ''} | ${i === 0 ? runs : ''} | ${cell(m.name)} | ${cell(measurementText(m))} |`,
        ),
      );
    }
  }
  lines.push(...captureMarkdown(run));
  const failures = run.cases.filter((c) => c.status === 'failed' || c.status === 'error');
  if (failures.length) {
    lines.push('', '### What failed', '');
    for (const result of failures) lines.push(`- **${cell(result.name)}**: ${cell(failureMessage(result))}`);
  }
  const undecided = run.cases.filter((c) => c.status === 'inconclusive');
  if (undecided.length) {
    lines.push('', '### Inconclusive (the measurement was disturbed; neither passed nor failed)', '');
    for (const result of undecided) lines.push(`- **${cell(result.name)}**: ${cell(inconclusiveMessage(result))}`);
  }
  return `${lines.join('\n')}\n`;
}
