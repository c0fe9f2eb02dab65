/**
 * The mode matrix: one row per mode (and kernel), read from a run of the mode-matrix suite, each
 * cell a measured value. Which mode fits is a question these numbers answer side by side.
 */
import { carriesTraffic, FAR_SIDE_NEEDS, farSideOf, modeByNameOrNumber } from '../bond/vocabulary.js';
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/window.js';

export const MATRIX_SCENARIO = 'mode-matrix';

/** What the far side must support for a mode, in words. */
function farSideNeeds(mode: string): string {
  const name = modeByNameOrNumber(mode);
  return name ? FAR_SIDE_NEEDS[farSideOf(name)] : '?';
}

export interface MatrixRow {
  mode: string;
  kernel: string;
  /** The case the row was measured in, for citing a cell. */
  case: string;
  verdict: CaseResult['status'];
  outageLinkLossMs?: number;
  outageDetachMs?: number;
  /** Slaves carrying a fair part of 8 flows out, and the largest share. */
  txSpread?: string;
  txSlaves?: number;
  singleFlowSlaves?: number;
  rxSpread?: string;
  rxSlaves?: number;
  reordered?: number;
  duplicates?: number;
  farSide: string;
}

function spread(
  window: TrafficWindow | undefined,
  direction: 'tx' | 'rx',
): { slaves: number; text: string } | undefined {
  if (!window) return undefined;
  const shares = window.perSlave.map((s) => (direction === 'tx' ? s.txShare : s.rxShare));
  const carrying = shares.filter((share) => carriesTraffic(share, shares.length)).length;
  return {
    slaves: carrying,
    text: `${carrying} of ${shares.length}, max ${Math.round(Math.max(0, ...shares) * 100)}%`,
  };
}

export function modeMatrix(run: RunResult): MatrixRow[] {
  return run.cases
    .filter((c) => c.scenario === MATRIX_SCENARIO)
    .map((c): MatrixRow => {
      const [many, single, receive, linkLoss, detach] = c.traffic;
      const mode = String(c.parameters.mode ?? '?');
      const measured = [many, single, receive].filter((w): w is TrafficWindow => w !== undefined);
      return {
        mode,
        kernel: c.target,
        case: c.name,
        verdict: c.status,
        outageLinkLossMs: linkLoss?.totals.outageMs,
        outageDetachMs: detach?.totals.outageMs,
        txSpread: spread(many, 'tx')?.text,
        txSlaves: spread(many, 'tx')?.slaves,
        singleFlowSlaves: spread(single, 'tx')?.slaves,
        rxSpread: spread(receive, 'rx')?.text,
        rxSlaves: spread(receive, 'rx')?.slaves,
        reordered: measured.reduce((sum, w) => sum + w.totals.reordered, 0),
        duplicates: measured.reduce((sum, w) => sum + w.totals.duplicates, 0),
        farSide: farSideNeeds(mode),
      };
    });
}

/** The matrix's columns, title and cell text: the text, Markdown and HTML tables all print these. */
export const MATRIX_COLUMNS: [string, (row: MatrixRow) => string][] = [
  ['mode', (r) => r.mode],
  ['kernel', (r) => r.kernel],
  ['verdict', (r) => r.verdict],
  ['outage, link loss', (r) => (r.outageLinkLossMs === undefined ? '-' : `${r.outageLinkLossMs.toFixed(0)} ms`)],
  ['outage, detach', (r) => (r.outageDetachMs === undefined ? '-' : `${r.outageDetachMs.toFixed(0)} ms`)],
  ['tx spread, 8 flows', (r) => r.txSpread ?? '-'],
  ['1 flow over', (r) => (r.singleFlowSlaves === undefined ? '-' : `${r.singleFlowSlaves} slave(s)`)],
  ['rx spread, 4 clients', (r) => r.rxSpread ?? '-'],
  ['reordered', (r) => String(r.reordered ?? '-')],
  ['duplicates', (r) => String(r.duplicates ?? '-')],
  ['far side needs', (r) => r.farSide],
];

export function matrixTable(rows: MatrixRow[]): string {
  const cells = [
    MATRIX_COLUMNS.map(([title]) => title),
    ...rows.map((row) => MATRIX_COLUMNS.map(([, get]) => get(row))),
  ];
  const widths = MATRIX_COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return `${cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function matrixMarkdown(rows: MatrixRow[]): string {
  const lines = [
    `| ${MATRIX_COLUMNS.map(([title]) => title).join(' | ')} |`,
    `| ${MATRIX_COLUMNS.map(() => '---').join(' | ')} |`,
  ];
  for (const row of rows) lines.push(`| ${MATRIX_COLUMNS.map(([, get]) => get(row)).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
