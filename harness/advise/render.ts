/**
 * The advice as text (terminal), Markdown (a job page) and an HTML section (report.html). JSON is
 * the Advice object itself.
 */
import type { Constraints } from './constraints.js';
import type { Advice, Evidence, ModeAdvice } from './advice.js';

export function describeConstraints(c: Constraints): string {
  const parts = [
    `switch: ${c.switch === 'none' ? 'no aggregation' : c.switch === 'static' ? 'static aggregation' : 'LACP'}`,
    c.singleFlowFaster && 'one flow faster than one link',
    c.spreadTransmit && 'flows out spread',
    c.spreadReceive && 'traffic in spread',
    `reordering ${c.reordering}`,
    `duplicates ${c.duplicates}`,
    c.maxOutageCablePullMs !== undefined && `outage on a pulled cable at most ${c.maxOutageCablePullMs} ms`,
    c.maxOutageSwitchFailureMs !== undefined &&
      `outage on a switch-side failure at most ${c.maxOutageSwitchFailureMs} ms`,
    `monitoring: ${c.monitoring.join(', ')}`,
  ];
  return parts.filter((p): p is string => typeof p === 'string').join('; ');
}

/** `[measured: balance-rr, outage, link loss (ms) = 112, case ..., results.json]` or `[documentation: bonding.rst §...]`. */
export function citation(e: Evidence): string {
  return e.kind === 'measured'
    ? `[measured: ${e.mode}, ${e.name} = ${Number.isInteger(e.value) ? e.value : e.value.toFixed(1)}, case ${e.case}, ${e.results}]`
    : `[documentation: ${e.source} "${e.section}": ${e.says}]`;
}

const MARK: Record<string, string> = { 'rules-out': 'x', meets: '+', favours: '+', against: '-', unmeasured: '?' };

function verdict(m: ModeAdvice): string {
  return m.fits ? 'fits' : m.reasons.some((r) => r.effect === 'rules-out') ? 'ruled out' : 'not measured';
}

export function adviceText(advice: Advice): string {
  const lines = [
    `Constraints: ${describeConstraints(advice.constraints)}`,
    `Evidence: ${advice.source.results} (run ${advice.source.runId}, ${advice.source.kernel})`,
    '',
  ];
  for (const m of advice.ranking) {
    lines.push(`${m.rank}. ${m.mode} (${verdict(m)})`);
    for (const r of m.reasons) {
      lines.push(`   ${MARK[r.effect] ?? ' '} ${r.text}`);
      for (const e of r.evidence) lines.push(`       ${citation(e)}`);
    }
    if (m.rank === 1 && m.fits) {
      lines.push('   options to set:');
      for (const o of m.options)
        lines.push(
          `     ${o.option}=${o.value}: ${o.reason}${o.evidence.length ? ` ${o.evidence.map(citation).join(' ')}` : ''}`,
        );
    }
  }
  if (!advice.ranking[0]?.fits)
    lines.push('', 'No mode meets every constraint: the first is the one that misses the fewest.');
  return `${lines.join('\n')}\n`;
}

const mdCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function adviceMarkdown(advice: Advice): string {
  const lines = [
    '## Which mode fits',
    '',
    `Constraints: ${describeConstraints(advice.constraints)}. Evidence: \`${advice.source.results}\` (run ${advice.source.runId}, ${advice.source.kernel}).`,
    '',
    '| rank | mode | verdict | reasons |',
    '| --- | --- | --- | --- |',
  ];
  for (const m of advice.ranking) {
    const reasons = m.reasons
      .map((r) => `${MARK[r.effect] ?? ''} ${r.text} ${r.evidence.map(citation).join(' ')}`)
      .join('<br>');
    lines.push(`| ${m.rank} | ${m.mode} | ${verdict(m)} | ${mdCell(reasons)} |`);
  }
  const first = advice.ranking[0];
  if (first?.fits) {
    lines.push('', `### Options for ${first.mode}`, '', '| option | value | why |', '| --- | --- | --- |');
    for (const o of first.options)
      lines.push(
        `| ${o.option} | ${mdCell(o.value)} | ${mdCell(`${o.reason} ${o.evidence.map(citation).join(' ')}`)} |`,
      );
  } else {
    lines.push('', 'No mode meets every constraint: the first is the one that misses the fewest.');
  }
  return `${lines.join('\n')}\n`;
}

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function evidenceHtml(e: Evidence): string {
  return e.kind === 'measured'
    ? `<span class="measured" title="${esc(e.results)}">measured: ${esc(e.name)} = ${esc(String(Number.isInteger(e.value) ? e.value : e.value.toFixed(1)))} (${esc(e.case)})</span>`
    : `<span class="documented" title="${esc(e.says)}">documentation: bonding.rst ${esc(e.section)}</span>`;
}

/** The advice as a report.html section (also the body of `bondlab advise --format html`). */
export function adviceSection(advice: Advice): string {
  const rows = advice.ranking
    .map((m) => {
      const reasons = m.reasons
        .map((r) => `<li class="${r.effect}">${esc(r.text)} ${r.evidence.map(evidenceHtml).join(' ')}</li>`)
        .join('');
      return `<tr class="${m.fits ? 'fits' : 'misses'}"><td>${m.rank}</td><td>${esc(m.mode)}</td><td>${verdict(m)}</td><td><ul>${reasons}</ul></td></tr>`;
    })
    .join('\n');
  const first = advice.ranking[0];
  const options = first?.fits
    ? `<h3>Options for ${esc(first.mode)}</h3><table><thead><tr><th>option</th><th>value</th><th>why</th></tr></thead><tbody>${first.options
        .map(
          (o) =>
            `<tr><td>${esc(o.option)}</td><td>${esc(o.value)}</td><td>${esc(o.reason)} ${o.evidence.map(evidenceHtml).join(' ')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p>No mode meets every constraint: the first is the one that misses the fewest.</p>';
  return `<section class="panel" id="advice"><h2>Which mode fits</h2>
<p>Constraints: ${esc(describeConstraints(advice.constraints))}. Evidence: ${esc(advice.source.results)} (run ${esc(advice.source.runId)}, ${esc(advice.source.kernel)}). Each reason is marked <span class="measured">measured</span> (a cell of the mode matrix) or <span class="documented">documentation</span> (the kernel's bonding.rst, by section).</p>
<div class="scroll"><table id="advice-ranking"><thead><tr><th>rank</th><th>mode</th><th>verdict</th><th>reasons</th></tr></thead><tbody>
${rows}
</tbody></table></div>
${options}
</section>`;
}

/** A page of its own for `bondlab advise --format html`. */
export function adviceHtmlPage(advice: Advice): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bondlab advise</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}.measured{color:#05509a}.documented{color:#7a4b00}li.rules-out{color:#a00}tr.fits td:nth-child(3){color:#070}</style>
</head><body>
${adviceSection(advice)}
</body></html>
`;
}
