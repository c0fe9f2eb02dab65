/**
 * The captures of a traffic window in report.html: under its timeline, per fault, links to the
 * pcapng files and the compact table (last probe before the gap, control frames, first after).
 */
import type { CaseResult } from '../runner/results.js';
import type { FaultCapture, ProbeSighting } from './capture.js';

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const ms = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} ms`;

function sighting(label: string, s: ProbeSighting): string {
  return `<tr class="probe"><td>${ms(s.atMs)}</td><td>${esc(s.where)}</td><td>${label}</td><td>flow ${s.flow}, seq ${s.seq}</td></tr>`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function faultBlock(capture: FaultCapture, index: number, caseIndex: number): string {
  const links = capture.files
    .map(
      (f) =>
        `<a href="${esc(f.path)}" download>${esc(`${f.side}:${f.iface}`)}</a> (${f.packets} packets, ${kib(f.bytes)}${f.truncated ? ', cut at the packet limit' : ''})`,
    )
    .join(' · ');
  const rows: { at: number; html: string }[] = capture.control.map((c) => ({
    at: c.atMs,
    html: `<tr class="${c.kind}"><td>${ms(c.atMs)}</td><td>${esc(c.where)}</td><td>${esc(c.kind)}</td><td>${esc(c.detail)}</td></tr>`,
  }));
  if (capture.gap) {
    rows.push({ at: capture.gap.lastBefore.atMs, html: sighting('last probe before the gap', capture.gap.lastBefore) });
    rows.push({
      at: capture.gap.firstAfter.atMs,
      html: sighting(`first probe after (gap ${capture.gap.ms.toFixed(1)} ms)`, capture.gap.firstAfter),
    });
  }
  rows.push({
    at: 0,
    html: `<tr class="fault"><td>${ms(0)}</td><td></td><td>fault issued</td><td>${esc(capture.fault)}</td></tr>`,
  });
  rows.sort((a, b) => a.at - b.at);
  const counts = Object.entries(capture.controlCounts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const listed =
    capture.control.length < Object.values(capture.controlCounts).reduce((a, b) => a + b, 0)
      ? ` (the first ${capture.control.length} listed)`
      : '';
  return `<div class="capture" id="capture-${caseIndex}-${capture.window}-${index}">
<p><strong>Packets of ${esc(capture.fault)}</strong>, ${ms(capture.fromMs)} to ${ms(capture.toMs)} around its issue: ${links}</p>
<p class="meta">${counts ? `control frames: ${esc(counts)}${listed}` : 'no ARP, LACPDU or neighbour advertisement in this stretch'}; capture times put on the target's monotonic clock by ${esc(capture.clock)}</p>
<div class="scroll"><table><thead><tr><th>at</th><th>where</th><th>what</th><th>detail</th></tr></thead><tbody>${rows.map((r) => r.html).join('')}</tbody></table></div>
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
