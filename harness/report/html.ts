/**
 * A self-contained HTML report: one file with inline style, script and SVG charts, nothing
 * fetched (a Content-Security-Policy forbids it), readable without JavaScript. Failures come
 * first; each traffic window gets a timeline of delivery, faults, bond state and kernel log.
 */
import { earlyReactionNote, formatValue, repeatsOf } from '../runner/repeats.js';
import type { CaseResult, CheckResult, MeasurementDistribution, RunResult, StepResult } from '../runner/results.js';
import type { TrafficWindow } from '../traffic/window.js';
import { MATRIX_COLUMNS, MATRIX_SCENARIO, modeMatrix } from './matrix.js';
import { duration as fmtDuration, ms as fmtMs, percent } from './format.js';
import { SCRIPT, STYLE } from './html/assets.js';
import { MUTED, RED, slaveColour, timelineChart, windowView, type View } from './html/chart.js';
import { esc, isFailure } from './html/text.js';
import { adviceSection } from '../advise/render.js';
import { captureSection } from '../capture/report.js';
import { passRateText } from './repeats.js';

export function htmlReport(run: RunResult): string {
  const { passed, failed, errors, total, inconclusive } = run.summary;
  const title = `bondlab ${run.runId}: ${passed}/${total} passed${failed ? `, ${failed} failed` : ''}${inconclusive ? `, ${inconclusive} inconclusive` : ''}${errors ? `, ${errors} errors` : ''}`;
  // Failures first, then run order; the index keeps run position for anchors.
  const ordered = run.cases
    .map((c, index) => ({ c, index }))
    .sort((a, b) => Number(isFailure(b.c)) - Number(isFailure(a.c)) || a.index - b.index);
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
    ...(run.interruption
      ? [
          ['stopped', esc(`by ${run.interruption.signal}; ${run.interruption.notRun} case(s) not run`)] as [
            string,
            string,
          ],
        ]
      : []),
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
  if (check)
    return `${check.check.disturbed ? `inconclusive (${check.check.disturbed}): ` : ''}${check.check.name}: expected ${check.check.expected}, actual ${check.check.actual}`;
  if (c.error) return c.error.split('\n')[0] ?? '';
  const outages = c.traffic.map((w) => w.totals.outageMs);
  return outages.length ? `${c.traffic.length} traffic window(s), worst outage ${fmtMs(Math.max(...outages))}` : '';
}

/** With --repeat: each case's pass rate, and its measurements' spread (the headline ones first, all of them folded). */
function repeatsSection(run: RunResult): string {
  const repeats = repeatsOf(run);
  if (!repeats) return '';
  const head =
    '<thead><tr><th>case</th><th>runs</th><th>measurement</th><th class="num">median</th><th class="num">min</th><th class="num">max</th><th class="num">IQR</th><th class="num">n</th></tr></thead>';
  const rows = (pick: (m: MeasurementDistribution) => boolean) =>
    repeats.flatMap((r) => {
      const shown = r.measurements.filter(pick);
      const verdict = `${esc(passRateText(r))}${r.flaky ? ' <span class="badge flaky">flaky</span>' : ''}`;
      if (!shown.length) return [`<tr><td>${esc(r.name)}</td><td>${verdict}</td><td colspan="6"></td></tr>`];
      return shown.map((m, i) => {
        const lead =
          i === 0
            ? `<td rowspan="${shown.length}">${esc(r.name)}</td><td rowspan="${shown.length}">${verdict}</td>`
            : '';
        const cells = [m.median, m.min, m.max, m.iqr]
          .map((v) => `<td class="num">${esc(formatValue(m.unit, v))}</td>`)
          .join('');
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
    c.procAtFailure
      ? `<details><summary>/proc/net/bonding at the failure</summary><pre>${esc(c.procAtFailure)}</pre></details>`
      : '',
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
    ...(c.shard ? [['shard', esc(c.shard)] as [string, string]] : []),
    ['started', esc(c.startedAt)],
    ['duration', esc(fmtDuration(c.durationMs))],
    [
      'parameters',
      params.length
        ? params.map(([k, v]) => `<span class="param mono">${esc(k)}=${esc(v)}</span>`).join('')
        : '<span class="meta">none</span>',
    ],
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
    const checks = s.checks.length
      ? ` <span class="time">${s.checks.length} check(s)${failedChecks ? `, ${failedChecks} failed` : ''}${undecided ? `, ${undecided} inconclusive` : ''}</span>`
      : '';
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
      `<tr><td>${t.settings.streams} stream(s), ${esc(t.settings.vary)}, ${esc(t.settings.direction)}, ${t.settings.seconds} s</td><td class="num">${(t.totalBps / 1e6).toFixed(0)} Mbit/s</td><td class="num">${(t.singleLinkBps / 1e6).toFixed(0)} Mbit/s</td><td class="num">${t.factor.toFixed(2)}x</td><td class="num">${t.capacityBps === undefined ? '' : `${(t.capacityBps / 1e6).toFixed(0)} Mbit/s`}</td></tr>`,
  );
  return `<h4>Throughput</h4><table><thead><tr><th>measured</th><th class="num">bond</th><th class="num">one link</th><th class="num">factor</th><th class="num">machine unshaped</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function windowBlock(c: CaseResult, window: TrafficWindow, i: number): string {
  const s = window.settings;
  const t = window.totals;
  const view = windowView(c, window);
  const totals = [
    `sent ${t.sent}`,
    `received ${t.received}`,
    `lost ${t.lost} (${percent(t.lossRatio, 2)})`,
    `outage ${fmtMs(t.outageMs)}`,
    `longest silence ${fmtMs(t.deliveryGapMs)}`,
    `duplicates ${t.duplicates}`,
    `reordered ${t.reordered}`,
    `achieved ${window.achievedPps.toFixed(0)}${window.setPps ? ` of ${window.setPps}` : ''} pps`,
    ...(t.causes
      ? [
          `lost by cause: ${t.causes.failover} in failover, ${t.causes.unrelated} unrelated, ${t.causes.harness} by the harness; ${t.causes.notSent} not sent`,
        ]
      : []),
    ...(t.stalledMs !== undefined ? [`sender stalled ${fmtMs(t.stalledMs)} in ${t.stalls?.length ?? 0} stall(s)`] : []),
  ].join(' · ');
  const noDelivery = view.delivery
    ? ''
    : '<p class="note">No delivery series in these results (recorded by an older bondlab): the chart shows state and events only.</p>';
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
    `<span class="bar" role="img" aria-label="${percent(share, 0)}"><span style="width:${(Math.min(1, Math.max(0, share)) * 100).toFixed(1)}%;background:${colour}"></span></span>${percent(share, 0)} <span class="meta">(${packets} pkts)</span>`;
  const rows = window.perSlave.map((s) => {
    const colour = slaveColour(slaves, s.slave).strong;
    return `<tr><td><span class="swatch" style="background:${colour}"></span>${esc(s.slave)}</td><td>${bar(s.txShare, s.txPackets, colour)}</td><td>${bar(s.rxShare, s.rxPackets, colour)}</td></tr>`;
  });
  return `<table class="shares"><thead><tr><th>slave</th><th>tx share (bond sends)</th><th>rx share (bond receives)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Only what this chart draws, each colour with its words. */
function timelineLegend(view: View): string {
  const item = (colour: string, text: string) =>
    `<span><span class="swatch" style="background:${colour}"></span>${esc(text)}</span>`;
  const items = [
    view.delivery ? item('#9ec5fe', `packets delivered per ${view.delivery.bucketMs} ms of send time`) : '',
    view.outage ? item('#ffc9c4', 'outage: every packet sent then was lost') : '',
    view.faults.length
      ? item(RED, 'fault: issued (line) to its command returning (shaded, dashed end); diamond: when the kernel saw it')
      : '',
    ...(view.samples.length ? view.slaves.map((s) => item(slaveColour(view.slaves, s).light, `${s} active`)) : []),
    view.samples.length ? item('#ccf0d5', 'mii up') : '',
    view.samples.length ? item(RED, 'mii not up') : '',
    view.kernel.length ? item('#a40e26', 'kernel: the driver reacted (hover for the line)') : '',
    view.kernel.length ? item(MUTED, 'kernel: other bonding message') : '',
  ];
  return `<div class="legend">${items.filter(Boolean).join('')}</div>`;
}
