import { randomUUID } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultsToJson, type RunResult } from '../runner/results.js';
import { htmlReport } from './html.js';
import { junitXml } from './junit.js';
import { lavaCommands } from './lava.js';
import { markdownSummary } from './markdown.js';

/** The reporters: each turns the one results object into one file of the run's directory. */
export const REPORTERS = {
  json: { file: 'results.json', render: resultsToJson },
  junit: { file: 'junit.xml', render: junitXml },
  markdown: { file: 'summary.md', render: markdownSummary },
  html: { file: 'report.html', render: htmlReport },
  lava: { file: 'lava-test-cases.sh', render: lavaCommands },
} as const satisfies Record<string, { file: string; render: (run: RunResult) => string }>;

export type ReporterName = keyof typeof REPORTERS;

/**
 * All or nothing: every report is rendered first, then written beside its place and renamed over
 * it, so a reporter that fails, or a place that cannot be written, leaves the files there as they
 * were. Renaming also replaces a symbolic link at a report's place rather than writing through it.
 */
export async function writeReports(
  run: RunResult,
  dir: string,
  names: ReporterName[] = ['json', 'junit', 'markdown', 'html'],
): Promise<string[]> {
  const reports = names.map((name) => ({ path: join(dir, REPORTERS[name].file), text: REPORTERS[name].render(run) }));
  await mkdir(dir, { recursive: true });
  for (const { path } of reports) {
    const existing = await lstat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new Error(`${path} is a directory: no report was written`);
  }
  const staged: string[] = [];
  try {
    for (const { path, text } of reports) {
      const temporary = `${path}.${randomUUID()}.tmp`;
      staged.push(temporary);
      await writeFile(temporary, text, { flag: 'wx' });
    }
    for (const [index, { path }] of reports.entries()) await rename(staged[index] ?? '', path);
  } catch (error) {
    await Promise.all(staged.map((temporary) => rm(temporary, { force: true })));
    throw error;
  }
  return reports.map(({ path }) => path);
}
