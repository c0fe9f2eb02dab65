/**
 * The captures of a traffic window in report.html: under its timeline, per fault, links to the
 * pcapng files and the compact table (last probe before the gap, control frames, first after);
 * and the same tables in summary.md.
 */
import type { CaseResult, RunResult } from '../runner/results.js';
import type { FaultCapture, ProbeSighting } from './capture.js';

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const ms = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms`;

/** One row of a fault's table; `kind` is the HTML row's class. */
interface Row {
  at: number;
  where: string;
  what: string;
  detail: string;
  kind: string;
}

function sighting(what: string, s: ProbeSighting): Row {
  return { at: s.atMs, where: s.where, what, detail: `flow ${s.flow}, seq ${s.seq}`, kind: 'probe' };
}

/** The fault, the gap's two probes and the control frames, in time order around the fault. */
function rowsOf(capture: FaultCapture): Row[] {
  const rows: Row[] = capture.control.map((c) => ({
    at: c.atMs,
    where: c.where,
    what: c.kind,
    detail: c.detail,
    kind: c.kind,
  }));
  if (capture.gap) {
    rows.push(sighting('last probe before the gap', capture.gap.lastBefore));
    rows.push(sighting(`first probe after (gap ${capture.gap.ms.toFixed(1)} ms)`, capture.gap.firstAfter));
  }
  rows.push({ at: 0, where: '', what: 'fault issued', detail: capture.fault, kind: 'fault' });
  return rows.sort((a, b) => a.at - b.at);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function fileText(f: FaultCapture['files'][number]): string {
  return `(${f.packets} packets, ${kib(f.bytes)}${f.truncated ? ', cut at the packet limit' : ''})`;
}

function countsText(capture: FaultCapture): string {
  const counts = Object.entries(capture.controlCounts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const listed =
    capture.control.length < Object.values(capture.controlCounts).reduce((a, b) => a + b, 0)
      ? ` (the first ${capture.control.length} listed)`
      : '';
  return counts
    ? `control frames: ${counts}${listed}`
    : 'no ARP, LACPDU, neighbour advertisement or learning packet in this stretch';
}

function faultBlock(capture: FaultCapture, index: number, caseIndex: number): string {
  const links = capture.files
    .map((f) => `<a href="${esc(f.path)}" download>${esc(`${f.side}:${f.iface}`)}</a> ${fileText(f)}`)
    .join(' · ');
  const rows = rowsOf(capture).map(
    (r) =>
      `<tr class="${esc(r.kind)}"><td>${ms(r.at)}</td><td>${esc(r.where)}</td><td>${esc(r.what)}</td><td>${esc(r.detail)}</td></tr>`,
  );
  return `<div class="capture" id="capture-${caseIndex}-${capture.window}-${index}">
<p><strong>Packets of ${esc(capture.fault)}</strong>, ${ms(capture.fromMs)} to ${ms(capture.toMs)} around its issue: ${links}</p>
<p class="meta">${esc(countsText(capture))}; capture times put on the target's monotonic clock by ${esc(capture.clock)}</p>
<div class="scroll"><table><thead><tr><th>at</th><th>where</th><th>what</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
</div>`;
}

/** The captures taken in traffic window `window` of a case, or nothing. */
export function captureSection(c: CaseResult, window: number, caseIndex: number): string {
  const captures = (c.captures ?? []).filter((capture) => capture.window === window);
  if (!captures.length) return '';
  return `<details class="captures" open><summary>Packet captures of this window's failover${captures.length > 1 ? 's' : ''}</summary>
${captures.map((capture, i) => faultBlock(capture, i, caseIndex)).join('\n')}
</details>`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** summary.md's lines for the run's captures: per fault its files and its table; none without --capture. */
export function captureMarkdown(run: RunResult): string[] {
  const lines: string[] = [];
  for (const c of run.cases) {
    for (const capture of c.captures ?? []) {
      const files = capture.files.map((f) => `[${f.side}:${f.iface}](${f.path}) ${fileText(f)}`).join(', ');
      lines.push(
        '',
        `**${cell(c.name)}**, traffic window ${capture.window + 1}, ${cell(capture.fault)}: ${ms(capture.fromMs)} to ${ms(capture.toMs)}; ${files}; ${countsText(capture)}`,
        '',
        '| at | where | what | detail |',
        '| --- | --- | --- | --- |',
        ...rowsOf(capture).map((r) => `| ${ms(r.at)} | ${cell(r.where)} | ${cell(r.what)} | ${cell(r.detail)} |`),
      );
    }
  }
  return lines.length ? ['', '### Packet captures of each failover', ...lines] : [];
}
