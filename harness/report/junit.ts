/**
 * JUnit XML for CI: one suite per scenario file, one test case per expanded case, failures with
 * measured against expected, and the bond's /proc text at the failure as system-out.
 */
import junit, { type Builder } from 'junit-report-builder';
import { caseOrigin } from '../runner/merge.js';
import { repeatsOf, repetitionKey } from '../runner/repeats.js';
import type { CaseResult, RunResult } from '../runner/results.js';
import { passRateText } from './repeats.js';

// The package's types say `export default` of a CommonJS module; the default import is the builder.
const root = junit as unknown as Builder;

export function failureMessage(result: CaseResult): string {
  const lines: string[] = [];
  if (result.error) lines.push(result.error);
  for (const step of result.steps.filter((s) => s.outcome === 'failed')) {
    for (const check of step.checks.filter((c) => !c.passed)) {
      lines.push(
        `step ${step.index} (${step.description}): ${check.name}: expected ${check.expected}, actual ${check.actual}`,
      );
    }
  }
  return lines.join('\n');
}

/** Why a case is inconclusive: each undecided claim with its reason and numbers. */
export function inconclusiveMessage(result: CaseResult): string {
  return result.steps
    .flatMap((step) =>
      step.checks
        .filter((c) => c.disturbed)
        .map(
          (c) =>
            `step ${step.index} (${step.description}): ${c.name}: ${c.disturbed} (expected ${c.expected}, actual ${c.actual})`,
        ),
    )
    .join('\n');
}

const xmlAttribute = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;');

export function junitXml(run: RunResult): string {
  // junit-report-builder's skipped() takes no message: the reasons are filled into the XML below, in order.
  const skippedReasons: string[] = [];
  const builder = root.newBuilder().name(`bondlab ${run.runId}`);
  // Each repetition stays a test case of its own, so a flaky case fails the job through the
  // repetitions that failed (Jenkins, GitLab and GitHub all read it so); every repetition's output
  // says how the case did over all of them.
  const repeats = new Map((repeatsOf(run) ?? []).map((r) => [repetitionKey(r), r]));
  const byFile = new Map<string, CaseResult[]>();
  for (const result of run.cases) byFile.set(result.file, [...(byFile.get(result.file) ?? []), result]);
  for (const [file, cases] of byFile) {
    const suite = builder
      .testSuite()
      // The suite is named by its file: Jenkins' schema has no file attribute on a test case.
      .name(file)
      .timestamp(cases[0]?.startedAt ?? run.startedAt)
      .time(seconds(cases.reduce((sum, c) => sum + c.durationMs, 0)))
      .property('targets', run.targets.join(', '));
    const flaky = [...new Set(cases.filter((c) => repeats.get(repetitionKey(c))?.flaky).map((c) => c.name))];
    if (flaky.length) suite.property('flaky', flaky.join(', '));
    for (const result of cases) {
      const test = suite
        .testCase()
        .className(result.scenario)
        .name(result.repetition > 1 ? `${result.name} #${result.repetition}` : result.name)
        .time(seconds(result.durationMs));
      if (result.status === 'failed') test.failure(failureMessage(result), 'ClaimFailed');
      if (result.status === 'error') test.error(failureMessage(result), 'CaseError');
      const repeated = repeats.get(repetitionKey(result));
      // Interrupted (the user stopped it) and inconclusive (the measurement was disturbed) are neither a pass
      // nor a fault in the kernel or bondlab: CI engines show a skipped test as such, and the run's exit code
      // (130, or 3) still fails the job. The builder's <skipped/> takes no message: it is added below.
      if (result.status === 'interrupted') {
        test.skipped();
        skippedReasons.push(result.error ?? 'interrupted');
      }
      if (result.status === 'inconclusive') {
        test.skipped();
        skippedReasons.push(`inconclusive: ${inconclusiveMessage(result)}`);
      }
      const origin = caseOrigin(result);
      const output = [
        ...(origin ? [origin] : []),
        ...(result.status === 'interrupted' && result.error ? [result.error, ''] : []),
        ...(repeated
          ? [
              `repeats: ${passRateText(repeated)}${repeated.flaky ? ' (the claims held in some repetitions and failed in others)' : ''}`,
            ]
          : []),
        ...(result.attempts ?? []).map((a, i) => `attempt ${i + 1} inconclusive: ${inconclusiveMessage(a)}`),
        ...result.steps.map((s) => `step ${s.index} ${s.outcome}: ${s.description}`),
        ...(result.procAtFailure ? ['', '/proc/net/bonding/bond0 at the failure:', result.procAtFailure] : []),
      ].join('\n');
      test.standardOutput(output);
    }
  }
  // junit-report-builder always writes a skipped count on <testsuites>, an attribute Jenkins'
  // schema does not declare (its xunit plugin rejects the file); the suites keep theirs.
  let next = 0;
  return builder
    .build()
    .replace(/^(<testsuites\b[^>]*?) skipped="\d+"/m, '$1')
    .replace(/<skipped\/>/g, () => `<skipped message="${xmlAttribute(skippedReasons[next++] ?? 'skipped')}"/>`);
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}
