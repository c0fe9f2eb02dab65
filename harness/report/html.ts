/**
 * A self-contained HTML report: one file with inline style, script and SVG charts, nothing
 * fetched (a Content-Security-Policy forbids it), readable without JavaScript. Failures come
 * first; each traffic window gets a timeline of delivery, faults, bond state and kernel log.
 */
import { earlyReactionNote, formatValue, repeatsOf } from '../runner/repeats.js';
import type { CaseResult, CheckResult, MeasurementDistribution, RunResult, StepResult } from '../runner/results.js';
import type { FaultEvent, KernelEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/engine.js';
import { MATRIX_COLUMNS, MATRIX_SCENARIO, modeMatrix } from './matrix.js';
import { adviceSection } from '../advise/render.js';
import { captureSection } from '../capture/report.js';
import { passRateText } from './repeats.js';

// ---------------------------------------------------------------------------------------------
// Text, numbers and times

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything from a result is text from the target or the scenario file: escape all of it. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Milliseconds from an origin; the subtraction stays in bigint so large uptimes keep their precision. */
function msSince(origin: bigint, at: bigint): number {
  return Number(at - origin) / 1e6;
}

function usToMsSince(origin: bigint, us: number): number {
  return msSince(origin, BigInt(Math.round(us * 1000)));
}

function fmtMs(ms: number): string {
  return Math.abs(ms) < 10 && ms !== 0 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`;
}

function fmtDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function pct(ratio: number, digits = 0): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

const isFailure = (c: CaseResult) => c.status !== 'passed';

// ---------------------------------------------------------------------------------------------
// Page

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d8dee4; --bg: #f6f8fa;
  --pass: #116329; --pass-bg: #dafbe1; --fail: #b42318; --fail-bg: #ffebe9; --err: #8a4600; --err-bg: #fff1c2; --inc: #6e5600; --inc-bg: #fff8c5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 0 0 8px; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
h4 { font-size: 13px; margin: 14px 0 4px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 8px; overflow: auto; max-height: 360px; white-space: pre-wrap; }
.panel, section.case { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
section.case.failed { border-left: 5px solid var(--fail); } section.case.error { border-left: 5px solid var(--err); }
section.case.passed { border-left: 5px solid var(--pass); } section.case.inconclusive { border-left: 5px solid var(--inc); }
section.case.interrupted { border-left: 5px solid var(--muted); }
.badge.interrupted { color: var(--muted); background: var(--bg); border-color: var(--line); }
.meta { color: var(--muted); margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.passed, td.passed { color: var(--pass); background: var(--pass-bg); border-color: #aceebb; }
.badge.failed, td.failed { color: var(--fail); background: var(--fail-bg); border-color: #ffcecb; }
.badge.error, td.error { color: var(--err); background: var(--err-bg); border-color: #f5d78e; }
.badge.inconclusive, td.inconclusive { color: var(--inc); background: var(--inc-bg); border-color: #e2cf6f; }
.badge.ok { color: var(--pass); background: var(--pass-bg); }
.badge.flaky { color: var(--err); background: var(--err-bg); border-color: #f5d78e; }
.summary { display: flex; gap: 8px; margin: 10px 0 0; align-items: center; flex-wrap: wrap; }
.summary .badge { font-size: 14px; padding: 3px 12px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
dl.facts { display: flex; flex-wrap: wrap; gap: 2px 22px; margin: 0 0 8px; }
dl.facts > div { display: flex; gap: 6px; align-items: baseline; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.param { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 3px; padding: 0 5px; margin: 0 4px 2px 0; }
ol.steps { margin: 4px 0; padding-left: 24px; } ol.steps li { margin: 2px 0; }
ol.steps .time { color: var(--muted); }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
.window { border-top: 1px solid var(--line); margin-top: 12px; padding-top: 4px; }
.totals { margin: 2px 0 6px; color: var(--muted); }
svg.timeline { width: 100%; height: auto; display: block; background: #fff; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted); margin: 2px 0 8px; }
.swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; border: 1px solid rgba(0,0,0,.25); vertical-align: -1px; }
.note { color: var(--muted); font-style: italic; }
table.shares { width: auto; min-width: 520px; }
.bar { display: inline-block; width: 180px; height: 12px; background: var(--bg); border: 1px solid var(--line); vertical-align: -2px; margin-right: 6px; }
.bar > span { display: block; height: 100%; }
#filter { display: flex; gap: 6px; align-items: center; margin-top: 10px; }
#filter button { font: inherit; padding: 2px 12px; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
#filter button[aria-pressed="true"] { background: var(--fg); color: #fff; border-color: var(--fg); }
a { color: #0550ae; }
.nowrap { white-space: nowrap; }
@media print { [hidden] { display: block !important; } #filter { display: none; } }
`;

/** Progressive enhancement: the filter buttons exist only when the script runs; the page is complete without them. */
const SCRIPT = `
(() => {
  const nav = document.getElementById('filter');
  if (!nav) return;
  const items = [...document.querySelectorAll('[data-status]')];
  const count = (f) => items.filter((el) => el.matches('section.case') && (f === 'all' || (f === 'passed') === (el.dataset.status === 'passed'))).length;
  const label = document.createElement('span');
  label.textContent = 'Show:';
  nav.append(label);
  const buttons = ['all', 'failed', 'passed'].map((f) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.filter = f;
    b.textContent = f + ' (' + count(f) + ')';
    b.addEventListener('click', () => apply(f));
    nav.append(b);
    return b;
  });
  function apply(f) {
    for (const el of items) el.hidden = f !== 'all' && (f === 'passed') !== (el.dataset.status === 'passed');
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.filter === f));
  }
  apply('all');
})();
`;

export function htmlReport(run: RunResult): string {
  const { passed, failed, errors, total, inconclusive } = run.summary;
  const title = `bondlab ${run.runId}: ${passed}/${total} passed${failed ? `, ${failed} failed` : ''}${inconclusive ? `, ${inconclusive} inconclusive` : ''}${errors ? `, ${errors} errors` : ''}`;
  // Failures first, then run order; the index keeps run position for anchors.
  const ordered = run.cases.map((c, index) => ({ c, index })).sort((a, b) => Number(isFailure(b.c)) - Number(isFailure(a.c)) || a.index - b.index);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${headerSection(run)}
${caseIndex(ordered)}
${repeatsSection(run)}
${matrixSection(run)}
${run.advice ? adviceSection(run.advice) : ''}
${ordered.map(({ c, index }) => caseSection(c, index)).join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function headerSection(run: RunResult): string {
  const { passed, failed, errors, total, inconclusive } = run.summary;
  const kernels = [...new Set(run.cases.map((c) => c.kernel).filter((k): k is string => Boolean(k)))];
  const facts: [string, string][] = [
    ['started', esc(run.startedAt)],
    ['duration', esc(fmtDuration(run.durationMs))],
    ['targets', esc(run.targets.join(', ') || '-')],
    ...(kernels.length ? [['kernels', esc(kernels.join(', '))] as [string, string]] : []),
    ['bondlab', esc(run.bondlabVersion)],
    ...(run.interruption ? [['stopped', esc(`by ${run.interruption.signal}; ${run.interruption.notRun} case(s) not run`)] as [string, string]] : []),
  ];
  return `<header class="panel">
<h1>bondlab run <code>${esc(run.runId)}</code></h1>
${factList(facts)}
<p class="summary"><strong>${total} case${total === 1 ? '' : 's'}:</strong>
<span class="badge passed">${passed} passed</span>
<span class="badge failed">${failed} failed</span>
${inconclusive ? `<span class="badge inconclusive">${inconclusive} inconclusive</span>\n` : ''}<span class="badge error">${errors} error${errors === 1 ? '' : 's'}</span>${run.summary.interrupted ? `\n<span class="badge interrupted">${run.summary.interrupted} interrupted</span>` : ''}</p>
<nav id="filter" aria-label="filter cases"></nav>
</header>`;
}

/** Label and value pairs in one wrapping line: compact, and still a definition list. */
function factList(facts: [string, string][]): string {
  return `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function badge(status: CaseResult['status'] | StepResult['outcome']): string {
  return `<span class="badge ${status}">${status}</span>`;
}

/** One line per case, failures first: the overview, and links to the details. */
function caseIndex(ordered: { c: CaseResult; index: number }[]): string {
  const rows = ordered.map(
    ({ c, index }) =>
      `<tr data-status="${c.status}"><td>${badge(c.status)}</td><td><a href="#case-${index}">${esc(c.name)}</a>${c.repetition > 1 ? ` #${c.repetition}` : ''}</td><td class="nowrap">${esc(c.target)}</td><td class="num">${esc(fmtDuration(c.durationMs))}</td><td>${esc(headline(c))}</td></tr>`,
  );
  return `<section class="panel" id="cases"><h2>Cases</h2><div class="scroll"><table>
<thead><tr><th>verdict</th><th>case</th><th>target</th><th class="num">time</th><th>measured / why</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div></section>`;
}

/** The one thing worth reading first: the first failing check or error, else the worst outage. */
function headline(c: CaseResult): string {
  const check = failingChecks(c)[0];
  if (check) return `${check.check.disturbed ? `inconclusive (${check.check.disturbed}): ` : ''}${check.check.name}: expected ${check.check.expected}, actual ${check.check.actual}`;
  if (c.error) return c.error.split('\n')[0] ?? '';
  const outages = c.traffic.map((w) => w.totals.outageMs);
  return outages.length ? `${c.traffic.length} traffic window(s), worst outage ${fmtMs(Math.max(...outages))}` : '';
}

/** With --repeat: each case's pass rate, and its measurements' spread (the headline ones first, all of them folded). */
function repeatsSection(run: RunResult): string {
  const repeats = repeatsOf(run);
  if (!repeats) return '';
  const head = '<thead><tr><th>case</th><th>runs</th><th>measurement</th><th class="num">median</th><th class="num">min</th><th class="num">max</th><th class="num">IQR</th><th class="num">n</th></tr></thead>';
  const rows = (pick: (m: MeasurementDistribution) => boolean) =>
    repeats.flatMap((r) => {
      const shown = r.measurements.filter(pick);
      const verdict = `${esc(passRateText(r))}${r.flaky ? ' <span class="badge flaky">flaky</span>' : ''}`;
      if (!shown.length) return [`<tr><td>${esc(r.name)}</td><td>${verdict}</td><td colspan="6"></td></tr>`];
      return shown.map((m, i) => {
        const lead = i === 0 ? `<td rowspan="${shown.length}">${esc(r.name)}</td><td rowspan="${shown.length}">${verdict}</td>` : '';
        const cells = [m.median, m.min, m.max, m.iqr].map((v) => `<td class="num">${esc(formatValue(m.unit, v))}</td>`).join('');
        return `<tr>${lead}<td>${esc(m.name)}${m.note ? ` <span class="note">${esc(m.note)}</span>` : ''}</td>${cells}<td class="num">${m.n}</td></tr>`;
      });
    });
  return `<section class="panel" id="repeats"><h2>Repeats</h2><div class="scroll"><table>${head}<tbody>${rows((m) => m.headline).join('\n')}</tbody></table></div>
<details><summary>Every measurement</summary><div class="scroll"><table>${head}<tbody>${rows(() => true).join('\n')}</tbody></table></div></details></section>`;
}

function matrixSection(run: RunResult): string {
  const rows = modeMatrix(run);
  if (!rows.length) return '';
  // modeMatrix keeps the order of the mode-matrix cases, so row i is the i-th such case.
  const anchors = run.cases.map((c, index) => ({ c, index })).filter(({ c }) => c.scenario === MATRIX_SCENARIO);
  const body = rows.map((row, i) => {
    const cells = MATRIX_COLUMNS.map(([title, get], col) => {
      const text = esc(get(row));
      const anchor = anchors[i];
      if (col === 0 && anchor) return `<td><a href="#case-${anchor.index}">${text}</a></td>`;
      return title === 'verdict' ? `<td class="${row.verdict}">${text}</td>` : `<td>${text}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<section class="panel" id="matrix"><h2>Mode matrix</h2><div class="scroll"><table id="mode-matrix">
<thead><tr>${MATRIX_COLUMNS.map(([title]) => `<th>${esc(title)}</th>`).join('')}</tr></thead>
<tbody>${body.join('\n')}</tbody></table></div></section>`;
}

// ---------------------------------------------------------------------------------------------
// One case

function caseSection(c: CaseResult, index: number): string {
  const parts = [
    `<h3>${badge(c.status)} <span>${esc(c.name)}</span>${c.repetition > 1 ? ` <span class="meta">repetition ${c.repetition}</span>` : ''}</h3>`,
    caseFacts(c),
    c.error ? `<h4>Error</h4><pre>${esc(c.error)}</pre>` : '',
    failingChecksTable(c),
    stepsList(c),
    c.procAtFailure ? `<details><summary>/proc/net/bonding at the failure</summary><pre>${esc(c.procAtFailure)}</pre></details>` : '',
    c.traffic.map((w, i) => `${windowBlock(c, w, i)}${captureSection(c, i, index)}`).join('\n'),
    failoverTable(c),
    throughputTable(c),
  ];
  return `<section class="case ${c.status}" id="case-${index}" data-status="${c.status}">\n${parts.filter(Boolean).join('\n')}\n</section>`;
}

function caseFacts(c: CaseResult): string {
  const params = Object.entries(c.parameters);
  const facts: [string, string][] = [
    ['status', esc(c.status)],
    ['scenario', `${esc(c.scenario)} <span class="meta mono">${esc(c.file)}</span>`],
    ['target', esc(c.target)],
    ...(c.kernel ? [['kernel', esc(c.kernel)] as [string, string]] : []),
    ['started', esc(c.startedAt)],
    ['duration', esc(fmtDuration(c.durationMs))],
    ['parameters', params.length ? params.map(([k, v]) => `<span class="param mono">${esc(k)}=${esc(v)}</span>`).join('') : '<span class="meta">none</span>'],
  ];
  return factList(facts);
}

function failingChecks(c: CaseResult): { step: StepResult; check: CheckResult }[] {
  return c.steps.flatMap((step) => step.checks.filter((check) => !check.passed).map((check) => ({ step, check })));
}

function failingChecksTable(c: CaseResult): string {
  const failing = failingChecks(c);
  if (!failing.length) return '';
  const rows = failing.map(
    ({ step, check }) =>
      `<tr><td class="num">${step.index}</td><td>${esc(check.name)}${check.disturbed ? ` ${badge('inconclusive')}<br><span class="note">${esc(check.disturbed)}</span>` : ''}</td><td class="mono">${esc(check.expected)}</td><td class="mono">${esc(check.actual)}</td></tr>`,
  );
  return `<h4>${failing.some(({ check }) => check.disturbed) ? 'Failing and undecided checks' : 'Failing checks'}</h4><div class="scroll"><table class="checks"><thead><tr><th class="num">step</th><th>check</th><th>expected</th><th>actual</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function stepsList(c: CaseResult): string {
  if (!c.steps.length) return '';
  const items = c.steps.map((s) => {
    const failedChecks = s.checks.filter((check) => !check.passed && !check.disturbed).length;
    const undecided = s.checks.filter((check) => check.disturbed).length;
    const checks = s.checks.length ? ` <span class="time">${s.checks.length} check(s)${failedChecks ? `, ${failedChecks} failed` : ''}${undecided ? `, ${undecided} inconclusive` : ''}</span>` : '';
    const error = s.error ? `<pre>${esc(s.error)}</pre>` : '';
    return `<li value="${s.index}">${badge(s.outcome)} <span class="mono">${esc(s.kind)}</span> ${esc(s.description)} <span class="time">(${esc(fmtDuration(s.durationMs))})</span>${checks}${error}</li>`;
  });
  // Open for failures, where the steps explain what happened; closed for passes to keep the page short.
  return `<details${isFailure(c) ? ' open' : ''}><summary>Steps (${c.steps.length})</summary><ol class="steps">${items.join('\n')}</ol></details>`;
}

function failoverTable(c: CaseResult): string {
  if (!c.failovers.length) return '';
  const rows = c.failovers.map(
    (f) =>
      `<tr><td>${esc(f.fault)}</td><td class="num">${f.stateChangeMs === undefined ? '-' : esc(fmtMs(f.stateChangeMs))}${earlyNote(f.stateChangeMs)}</td><td>${esc(f.stateChangeBy ?? '-')}</td><td class="num">${f.deliveryRestoredMs === undefined ? '-' : esc(fmtMs(f.deliveryRestoredMs))}</td><td class="num">${esc(fmtMs(f.outageMs))}</td></tr>`,
  );
  return `<h4>Failover timings</h4><div class="scroll"><table class="failovers"><thead><tr><th>fault</th><th class="num">state change after</th><th>seen by</th><th class="num">delivery restored after</th><th class="num">outage</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** A negative state change is the kernel reacting before the fault's command returned: said, not hidden. */
function earlyNote(ms: number | undefined): string {
  const note = ms === undefined ? undefined : earlyReactionNote([ms]);
  return note ? `<br><span class="note">${esc(note)}</span>` : '';
}

function throughputTable(c: CaseResult): string {
  if (!c.throughput.length) return '';
  const rows = c.throughput.map(
    (t) =>
      `<tr><td>${t.settings.streams} stream(s), ${esc(t.settings.vary)}, ${esc(t.settings.direction)}, ${t.settings.seconds} s</td><td class="num">${(t.totalBps / 1e6).toFixed(0)} Mbit/s</td><td class="num">${(t.singleLinkBps / 1e6).toFixed(0)} Mbit/s</td><td class="num">${t.factor.toFixed(2)}x</td></tr>`,
  );
  return `<h4>Throughput</h4><table><thead><tr><th>measured</th><th class="num">bond</th><th class="num">one link</th><th class="num">factor</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}


// ---------------------------------------------------------------------------------------------
// One traffic window: summary, timeline chart, per-slave shares

/** One colour per slave, the same in the timeline and the share bars; strong for bars, light for bands. */
const SLAVE_COLOURS = [
  { strong: '#1f6feb', light: '#cfe2ff' },
  { strong: '#d4770b', light: '#ffe2b8' },
  { strong: '#1a7f64', light: '#c6f0e2' },
  { strong: '#8250df', light: '#e4d9fb' },
  { strong: '#bf3989', light: '#fbd6ea' },
  { strong: '#0e7490', light: '#c8eef7' },
];

const RED = '#cf222e';
const MUTED = '#59636e';

function slaveColour(slaves: string[], name: string): { strong: string; light: string } {
  const i = Math.max(0, slaves.indexOf(name));
  return SLAVE_COLOURS[i % SLAVE_COLOURS.length] ?? { strong: MUTED, light: '#eaeef2' };
}

/** Every slave the window or the samples name, in a stable order, so colours agree across the page. */
function slaveNames(c: CaseResult, window: TrafficWindow): string[] {
  const names = new Set(window.perSlave.map((s) => s.slave));
  for (const e of c.timeline) if (e.kind === 'sample') for (const s of e.slaves) names.add(s.name);
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function windowBlock(c: CaseResult, window: TrafficWindow, i: number): string {
  const s = window.settings;
  const t = window.totals;
  const view = windowView(c, window);
  const totals = [
    `sent ${t.sent}`,
    `received ${t.received}`,
    `lost ${t.lost} (${pct(t.lossRatio, 2)})`,
    `outage ${fmtMs(t.outageMs)}`,
    `longest silence ${fmtMs(t.deliveryGapMs)}`,
    `duplicates ${t.duplicates}`,
    `reordered ${t.reordered}`,
    `achieved ${window.achievedPps.toFixed(0)}${window.setPps ? ` of ${window.setPps}` : ''} pps`,
    ...(t.causes ? [`lost by cause: ${t.causes.failover} in failover, ${t.causes.unrelated} unrelated, ${t.causes.harness} by the harness; ${t.causes.notSent} not sent`] : []),
    ...(t.stalledMs !== undefined ? [`sender stalled ${fmtMs(t.stalledMs)} in ${t.stalls?.length ?? 0} stall(s)`] : []),
  ].join(' · ');
  const noDelivery = view.delivery ? '' : '<p class="note">No delivery series in these results (recorded by an older bondlab): the chart shows state and events only.</p>';
  return `<div class="window">
<h4>Traffic window ${i + 1} of ${c.traffic.length}: ${s.flows} flow(s) varying ${esc(s.vary)}, ${s.rate} pps each, ${esc(s.direction)}, ${s.size} B</h4>
<p class="totals">${esc(totals)}</p>
${noDelivery}
${timelineChart(view)}
${timelineLegend(view)}
${sharesTable(window, view.slaves)}
</div>`;
}

function sharesTable(window: TrafficWindow, slaves: string[]): string {
  if (!window.perSlave.length) return '';
  const bar = (share: number, packets: number, colour: string) =>
    `<span class="bar" role="img" aria-label="${pct(share)}"><span style="width:${(Math.min(1, Math.max(0, share)) * 100).toFixed(1)}%;background:${colour}"></span></span>${pct(share)} <span class="meta">(${packets} pkts)</span>`;
  const rows = window.perSlave.map((s) => {
    const colour = slaveColour(slaves, s.slave).strong;
    return `<tr><td><span class="swatch" style="background:${colour}"></span>${esc(s.slave)}</td><td>${bar(s.txShare, s.txPackets, colour)}</td><td>${bar(s.rxShare, s.rxPackets, colour)}</td></tr>`;
  });
  return `<table class="shares"><thead><tr><th>slave</th><th>tx share (bond sends)</th><th>rx share (bond receives)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Only what this chart draws, each colour with its words. */
function timelineLegend(view: View): string {
  const item = (colour: string, text: string) => `<span><span class="swatch" style="background:${colour}"></span>${esc(text)}</span>`;
  const items = [
    view.delivery ? item('#9ec5fe', `packets delivered per ${view.delivery.bucketMs} ms of send time`) : '',
    view.outage ? item('#ffc9c4', 'outage: every packet sent then was lost') : '',
    view.faults.length ? item(RED, 'fault: issued (line) to its command returning (shaded, dashed end); diamond: when the kernel saw it') : '',
    ...(view.samples.length ? view.slaves.map((s) => item(slaveColour(view.slaves, s).light, `${s} active`)) : []),
    view.samples.length ? item('#ccf0d5', 'mii up') : '',
    view.samples.length ? item(RED, 'mii not up') : '',
    view.kernel.length ? item('#a40e26', 'kernel: the driver reacted (hover for the line)') : '',
    view.kernel.length ? item(MUTED, 'kernel: other bonding message') : '',
  ];
  return `<div class="legend">${items.filter(Boolean).join('')}</div>`;
}

// ---------------------------------------------------------------------------------------------
// The timeline chart: hand-built SVG in a fixed 1000-unit-wide view box, scaled to the page

const W = 1000;
const LEFT = 96;
const RIGHT = 16;
const FONT = 11;
const LANE_H = 14;

/** A linear map from a domain to a range: what every chart coordinate goes through. */
function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Round ticks (1, 2, 5 x 10^n) covering [lo, hi]. */
function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0)) return [lo];
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

const n1 = (v: number) => v.toFixed(1);
const textWidth = (text: string, size = FONT) => text.length * size * 0.58;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text over coloured bands and lines: a white outline keeps it readable. */
const HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke"';

interface Timed<E> {
  at: number;
  e: E;
}

/** Everything the chart and its legend draw, in ms from the window's start. */
interface View {
  origin: bigint;
  lo: number;
  hi: number;
  x: (ms: number) => number;
  slaves: string[];
  delivery?: { start: number; bucketMs: number; delivered: number[] };
  outage?: { from: number; ms: number };
  faults: { e: FaultEvent; from: number; to: number; seen?: number }[];
  samples: Timed<SampleEvent>[];
  kernel: Timed<KernelEvent>[];
}

function windowView(c: CaseResult, window: TrafficWindow): View {
  const origin = window.startNs;
  // Results written before delivery was measured have no series.
  const series = (window as Partial<TrafficWindow>).delivery;
  const delivery = series ? { start: usToMsSince(origin, series.startUs), bucketMs: series.bucketMs, delivered: series.delivered } : undefined;
  const lo = Math.min(0, delivery?.start ?? 0);
  const hi = Math.max(msSince(origin, window.endNs), delivery ? delivery.start + delivery.delivered.length * delivery.bucketMs : 0, lo + 1);
  const { outageMs, outageStartUs } = window.totals;
  const timed = <E extends TimelineEvent>(e: E & { atNs: bigint }): Timed<E> => ({ at: msSince(origin, e.atNs), e });
  const samples = c.timeline.filter((e): e is SampleEvent => e.kind === 'sample').map(timed).sort((a, b) => a.at - b.at);
  // The last sample before the window is the state at its start.
  const before = samples.filter((s) => s.at <= lo).at(-1);
  return {
    origin,
    lo,
    hi,
    x: linear(lo, hi, LEFT, W - RIGHT),
    slaves: slaveNames(c, window),
    delivery,
    outage: outageMs > 0 && outageStartUs !== undefined ? { from: usToMsSince(origin, outageStartUs), ms: outageMs } : undefined,
    faults: c.timeline
      .filter((e): e is FaultEvent => e.kind === 'fault')
      .map((e) => ({ e, from: msSince(origin, e.startNs), to: msSince(origin, e.endNs), seen: e.seenNs === undefined ? undefined : msSince(origin, e.seenNs) }))
      .filter((f) => f.to >= lo && f.from <= hi),
    samples: [...(before ? [before] : []), ...samples.filter((s) => s.at > lo && s.at <= hi)],
    kernel: c.timeline.filter((e): e is KernelEvent => e.kind === 'kernel').map(timed).filter(({ at }) => at >= lo && at <= hi),
  };
}

/** A span of time with one state: consecutive samples, merged where the state repeats. */
interface Span {
  from: number;
  to: number;
  key: string;
}

function spansOf(view: View, key: (s: SampleEvent) => string): Span[] {
  const spans: Span[] = [];
  view.samples.forEach(({ at, e }, i) => {
    const from = Math.max(view.lo, at);
    const to = Math.min(view.hi, view.samples[i + 1]?.at ?? view.hi);
    if (to <= from) return;
    const k = key(e);
    const last = spans.at(-1);
    if (last && last.key === k) last.to = to;
    else spans.push({ from, to, key: k });
  });
  return spans;
}

interface Row {
  svg: string;
  height: number;
}

function timelineChart(view: View): string {
  const labels = faultLabels(view);
  const lanes = Math.max(1, ...labels.map((l) => l.lane + 1));
  // Rows stack top to bottom under the fault labels; each knows its height.
  const top = 6 + lanes * LANE_H + 4;
  let y = top;
  const rows: string[] = [];
  const add = (make: (y: number) => Row, gap = 6) => {
    const row = make(y);
    rows.push(row.svg);
    y += row.height + gap;
  };
  add((at) => deliveryRow(view, at), 10);
  if (view.samples.length) {
    add((at) => activeRow(view, at));
    for (const slave of view.slaves) add((at) => miiRow(view, slave, at), 3);
  } else {
    add((at) => ({ svg: `${rowLabel('bond state', at, 18)}${note('no state samples in this window', at, 18)}`, height: 18 }));
  }
  add((at) => kernelRow(view, at + 3), 3);
  const bottom = y + 14;
  const height = bottom + 26;
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="timeline of the traffic window">
<rect x="0" y="0" width="${W}" height="${height}" fill="#fff"/>
${xAxis(view, top, bottom)}
${rows.join('\n')}
${faultMarkers(view, labels, bottom)}
</svg>`;
}

function xAxis(view: View, top: number, bottom: number): string {
  const ticks = niceTicks(view.lo, view.hi, 10);
  const grid = ticks.map((t) => `<line x1="${n1(view.x(t))}" x2="${n1(view.x(t))}" y1="${top}" y2="${bottom}" stroke="#eaeef2"/>`);
  const labels = ticks.map(
    (t) => `<line x1="${n1(view.x(t))}" x2="${n1(view.x(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="${MUTED}"/><text x="${n1(view.x(t))}" y="${bottom + 15}" font-size="${FONT}" text-anchor="middle" fill="${MUTED}">${t}</text>`,
  );
  return `<g class="x-axis">${grid.join('')}<line x1="${LEFT}" x2="${W - RIGHT}" y1="${bottom}" y2="${bottom}" stroke="${MUTED}"/>${labels.join('')}<text x="${LEFT - 8}" y="${bottom + 15}" font-size="${FONT}" text-anchor="end" fill="${MUTED}">ms from start</text></g>`;
}

function rowLabel(text: string, y: number, height: number, sub?: string): string {
  const mid = y + height / 2 + 4;
  if (!sub) return `<text x="6" y="${n1(mid)}" font-size="${FONT}" fill="#1f2328">${esc(text)}</text>`;
  return `<text x="6" y="${n1(mid - 6)}" font-size="${FONT}" fill="#1f2328">${esc(text)}</text><text x="6" y="${n1(mid + 7)}" font-size="${FONT - 1}" fill="${MUTED}">${esc(sub)}</text>`;
}

function note(text: string, y: number, height: number): string {
  return `<text x="${LEFT + 6}" y="${n1(y + height / 2 + 4)}" font-size="${FONT}" fill="${MUTED}" font-style="italic">${esc(text)}</text>`;
}

/** Packets delivered per bucket as a stepped area: a gap in delivery is a flat stretch at zero. */
function deliveryRow(view: View, y: number): Row {
  const delivery = view.delivery;
  if (!delivery) return { svg: `${rowLabel('delivered', y, 20)}${note('no delivery series in these results', y, 20)}`, height: 20 };
  const height = 110;
  const max = Math.max(1, ...delivery.delivered);
  const yTicks = niceTicks(0, max, 3);
  const sy = linear(0, Math.max(max, yTicks.at(-1) ?? max), y + height, y + 4);
  const bucketX = (i: number) => n1(view.x(delivery.start + i * delivery.bucketMs));
  const points = [`${bucketX(0)},${n1(sy(0))}`];
  delivery.delivered.forEach((v, i) => points.push(`${bucketX(i)},${n1(sy(v))}`, `${bucketX(i + 1)},${n1(sy(v))}`));
  points.push(`${bucketX(delivery.delivered.length)},${n1(sy(0))}`);
  const grid = yTicks.map(
    (t) => `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${n1(sy(t))}" y2="${n1(sy(t))}" stroke="#eaeef2"/><text x="${LEFT - 4}" y="${n1(sy(t) + 4)}" font-size="${FONT - 1}" text-anchor="end" fill="${MUTED}">${t}</text>`,
  );
  // The outage shading goes under the area and its label over it, so neither hides the other.
  const outage = outageMark(view, y, height);
  const svg = `<g class="delivery">${grid.join('')}${outage.shade}
<polygon points="${points.join(' ')}" fill="#9ec5fe" fill-opacity="0.75" stroke="#1f6feb" stroke-width="1" stroke-linejoin="round"><title>packets delivered per ${delivery.bucketMs} ms of send time</title></polygon>
<line x1="${LEFT}" x2="${LEFT}" y1="${y}" y2="${y + height}" stroke="${MUTED}"/>${outage.label}
${rowLabel('delivered', y, height - 14, `per ${delivery.bucketMs} ms`)}</g>`;
  return { svg, height };
}

function outageMark(view: View, y: number, height: number): { shade: string; label: string } {
  if (!view.outage) return { shade: '', label: '' };
  const { from, ms } = view.outage;
  const x0 = view.x(Math.max(view.lo, from));
  const x1 = view.x(Math.min(view.hi, from + ms));
  const text = `outage ${fmtMs(ms)}`;
  // Bold text runs wider than the estimate.
  const half = (textWidth(text) * 1.1) / 2 + 5;
  // Beside the gap when there is room on its right, so the label never covers the gap itself.
  const cx = x1 + 6 + half * 2 <= W - RIGHT ? x1 + 6 + half : x0 - 6 - half;
  const ly = y + height / 2;
  return {
    shade: `<rect class="outage" x="${n1(x0)}" y="${y}" width="${n1(Math.max(1.5, x1 - x0))}" height="${height}" fill="#ffc9c4"><title>${esc(`${text}, from ${fmtMs(from)}`)}</title></rect>`,
    label: `<g class="outage-label"><rect x="${n1(cx - half)}" y="${n1(ly - 10)}" width="${n1(half * 2)}" height="17" rx="3" fill="#fff" stroke="${RED}"/><text x="${n1(cx)}" y="${n1(ly + 3)}" font-size="${FONT}" text-anchor="middle" fill="#a40e26" font-weight="600">${esc(text)}</text></g>`,
  };
}

/** A coloured band with its label inside when it fits, and a tooltip always. */
function band(view: View, span: Span, y: number, height: number, fill: string, text: string, textFill: string, tip: string): string {
  const x0 = view.x(span.from);
  const width = Math.max(0.8, view.x(span.to) - x0);
  const label = textWidth(text) + 6 <= width ? `<text x="${n1(x0 + width / 2)}" y="${n1(y + height / 2 + 4)}" font-size="${FONT}" text-anchor="middle" fill="${textFill}">${esc(text)}</text>` : '';
  return `<g><title>${esc(`${tip}: ${fmtMs(span.from)} to ${fmtMs(span.to)}`)}</title><rect x="${n1(x0)}" y="${y}" width="${n1(width)}" height="${height}" fill="${fill}" stroke="#fff" stroke-width="0.5"/>${label}</g>`;
}

function activeRow(view: View, y: number): Row {
  const height = 22;
  const bands = spansOf(view, (s) => s.activeSlave ?? '').map((span) =>
    span.key
      ? band(view, span, y, height, slaveColour(view.slaves, span.key).light, `${span.key} active`, '#1f2328', `${span.key} active`)
      : band(view, span, y, height, '#eaeef2', 'no active slave', MUTED, 'no active slave'),
  );
  return { svg: `<g class="active-slave">${rowLabel('active slave', y, height)}${bands.join('')}</g>`, height };
}

function miiRow(view: View, slave: string, y: number): Row {
  const height = 16;
  const bands = spansOf(view, (s) => s.slaves.find((x) => x.name === slave)?.mii ?? 'not enslaved').map((span) => {
    const up = span.key === 'up';
    const absent = span.key === 'not enslaved';
    const [fill, textFill] = up ? ['#ccf0d5', '#116329'] : absent ? ['#eaeef2', MUTED] : [RED, '#fff'];
    return band(view, span, y, height, fill, absent ? span.key : `mii ${span.key}`, textFill, `${slave} mii ${span.key}`);
  });
  return { svg: `<g class="mii" data-slave="${esc(slave)}">${rowLabel(`${slave} mii`, y, height)}${bands.join('')}</g>`, height };
}

/** The driver's reactions, which failover timing reads, stand out from the rest of the log. */
const REACTIONS = new Set(['link-down', 'new-active-slave', 'no-active', 'release', 'pending-down']);

function kernelRow(view: View, y: number): Row {
  const height = 14;
  const ticks = view.kernel.map(({ e, at }) => {
    const x = view.x(at);
    const colour = REACTIONS.has(e.event) ? '#a40e26' : MUTED;
    return `<g class="kernel-event"><title>${esc(`${fmtMs(at)}: ${e.event}: ${e.text}`)}</title><rect x="${n1(x - 1.5)}" y="${y}" width="3" height="${height}" fill="${colour}"/></g>`;
  });
  const axis = `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y + height / 2}" y2="${y + height / 2}" stroke="#d8dee4"/>`;
  return { svg: `<g class="kernel">${rowLabel('kernel log', y, height)}${axis}${ticks.length ? ticks.join('') : note('no bonding messages in the kernel log', y, height)}</g>`, height };
}

interface FaultLabel {
  fault: View['faults'][number];
  text: string;
  lane: number;
  anchorEnd: boolean;
}

/** Fault labels in lanes above the chart, so that close faults do not write over each other. */
function faultLabels(view: View): FaultLabel[] {
  const laneEnds: number[] = [];
  return [...view.faults]
    .sort((a, b) => a.from - b.from)
    .map((fault) => {
      const text = clip(fault.e.detail || fault.e.fault, 80);
      // The label hangs at the fault's time: when its command was issued.
      const x = view.x(Math.min(view.hi, Math.max(view.lo, fault.from)));
      const width = textWidth(text) + 14;
      const anchorEnd = x + width > W - RIGHT;
      const [left, right] = anchorEnd ? [x - width, x] : [x, x + width];
      let lane = laneEnds.findIndex((end) => end < left);
      if (lane < 0) lane = Math.min(laneEnds.length, 3);
      laneEnds[lane] = right;
      return { fault, text, lane, anchorEnd };
    });
}

function faultMarkers(view: View, labels: FaultLabel[], bottom: number): string {
  return labels
    .map(({ fault, text, lane, anchorEnd }) => {
      const x = view.x(Math.max(view.lo, fault.from));
      const x1 = view.x(Math.min(view.hi, fault.to));
      const ly = 6 + lane * LANE_H + FONT;
      const seenAt = fault.seen === undefined ? '' : `; the kernel saw it at ${fmtMs(fault.seen)}${fault.e.seenBy ? ` (${fault.e.seenBy})` : ''}`;
      const tip = `fault ${fault.e.fault}${fault.e.slave ? ` on ${fault.e.slave}` : ''}: ${fault.e.detail} (issued at ${fmtMs(fault.from)}, its command returned at ${fmtMs(fault.to)}${seenAt})`;
      const xs = fault.seen === undefined || fault.seen < view.lo || fault.seen > view.hi ? undefined : view.x(fault.seen);
      const seen = xs === undefined ? '' : `\n<path class="fault-seen" d="M${n1(xs)},${ly - 2} L${n1(xs + 4)},${ly + 3} L${n1(xs)},${ly + 8} L${n1(xs - 4)},${ly + 3} Z" fill="${RED}"/>`;
      return `<g class="fault-marker"><title>${esc(tip)}</title>
<rect x="${n1(x)}" y="${ly + 2}" width="${n1(Math.max(1, x1 - x))}" height="${n1(bottom - ly - 2)}" fill="${RED}" fill-opacity="0.1"/>
<line x1="${n1(x)}" x2="${n1(x)}" y1="${ly - 4}" y2="${bottom}" stroke="${RED}" stroke-width="1.5"/>
<line x1="${n1(x1)}" x2="${n1(x1)}" y1="${ly + 2}" y2="${bottom}" stroke="${RED}" stroke-width="1" stroke-dasharray="5 3"/>
<path d="M${n1(x - 4)},${ly - 8} L${n1(x + 4)},${ly - 8} L${n1(x)},${ly - 2} Z" fill="${RED}"/>${seen}
<text x="${n1(anchorEnd ? x - 8 : x + 8)}" y="${ly}" font-size="${FONT}" text-anchor="${anchorEnd ? 'end' : 'start'}" fill="#a40e26" font-weight="600" ${HALO}>${esc(text)}</text></g>`;
    })
    .join('\n');
}
