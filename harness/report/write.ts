import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultsToJson, type RunResult } from '../runner/results.js';
import { htmlReport } from './html.js';
import { junitXml } from './junit.js';
import { markdownSummary } from './markdown.js';

/** The reporters: each turns the one results object into one file of the run's directory. */
export const REPORTERS = {
  json: { file: 'results.json', render: resultsToJson },
  junit: { file: 'junit.xml', render: junitXml },
  markdown: { file: 'summary.md', render: markdownSummary },
  html: { file: 'report.html', render: htmlReport },
} as const satisfies Record<string, { file: string; render: (run: RunResult) => string }>;

export type ReporterName = keyof typeof REPORTERS;

export async function writeReports(run: RunResult, dir: string, names: ReporterName[] = ['json', 'junit', 'markdown', 'html']): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const name of names) {
    const reporter = REPORTERS[name];
    const path = join(dir, reporter.file);
    await writeFile(path, reporter.render(run));
    written.push(path);
  }
  return written;
}
