/** The HTML report's stylesheet and its one script, inlined so that the page is one file. */

export const STYLE = `
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
export const SCRIPT = `
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
