/** The timeline chart of one traffic window: hand-built SVG, one colour per slave. */
import type { CaseResult } from '../../runner/results.js';
import type { FaultEvent, KernelEvent, SampleEvent, TimelineEvent } from '../../timeline/events.js';
import type { TrafficWindow } from '../../traffic/window.js';
import { ms as fmtMs } from '../format.js';
import { esc, msSince, usToMsSince } from './text.js';
/** One colour per slave, the same in the timeline and the share bars; strong for bars, light for bands. */
const SLAVE_COLOURS = [
  { strong: '#1f6feb', light: '#cfe2ff' },
  { strong: '#d4770b', light: '#ffe2b8' },
  { strong: '#1a7f64', light: '#c6f0e2' },
  { strong: '#8250df', light: '#e4d9fb' },
  { strong: '#bf3989', light: '#fbd6ea' },
  { strong: '#0e7490', light: '#c8eef7' },
];

export const RED = '#cf222e';
export const MUTED = '#59636e';

export function slaveColour(slaves: string[], name: string): { strong: string; light: string } {
  const i = Math.max(0, slaves.indexOf(name));
  return SLAVE_COLOURS[i % SLAVE_COLOURS.length] ?? { strong: MUTED, light: '#eaeef2' };
}

/** Every slave the window or the samples name, in a stable order, so colours agree across the page. */
function slaveNames(c: CaseResult, window: TrafficWindow): string[] {
  const names = new Set(window.perSlave.map((s) => s.slave));
  for (const e of c.timeline) if (e.kind === 'sample') for (const s of e.slaves) names.add(s.name);
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
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
export interface View {
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

export function windowView(c: CaseResult, window: TrafficWindow): View {
  const origin = window.startNs;
  // Results written before delivery was measured have no series.
  const series = (window as Partial<TrafficWindow>).delivery;
  const delivery = series
    ? { start: usToMsSince(origin, series.startUs), bucketMs: series.bucketMs, delivered: series.delivered }
    : undefined;
  const lo = Math.min(0, delivery?.start ?? 0);
  const hi = Math.max(
    msSince(origin, window.endNs),
    delivery ? delivery.start + delivery.delivered.length * delivery.bucketMs : 0,
    lo + 1,
  );
  const { outageMs, outageStartUs } = window.totals;
  const timed = <E extends TimelineEvent>(e: E & { atNs: bigint }): Timed<E> => ({ at: msSince(origin, e.atNs), e });
  const samples = c.timeline
    .filter((e): e is SampleEvent => e.kind === 'sample')
    .map(timed)
    .sort((a, b) => a.at - b.at);
  // The last sample before the window is the state at its start.
  const before = samples.filter((s) => s.at <= lo).at(-1);
  return {
    origin,
    lo,
    hi,
    x: linear(lo, hi, LEFT, W - RIGHT),
    slaves: slaveNames(c, window),
    delivery,
    outage:
      outageMs > 0 && outageStartUs !== undefined
        ? { from: usToMsSince(origin, outageStartUs), ms: outageMs }
        : undefined,
    faults: c.timeline
      .filter((e): e is FaultEvent => e.kind === 'fault')
      .map((e) => ({
        e,
        from: msSince(origin, e.startNs),
        to: msSince(origin, e.endNs),
        seen: e.seenNs === undefined ? undefined : msSince(origin, e.seenNs),
      }))
      .filter((f) => f.to >= lo && f.from <= hi),
    samples: [...(before ? [before] : []), ...samples.filter((s) => s.at > lo && s.at <= hi)],
    kernel: c.timeline
      .filter((e): e is KernelEvent => e.kind === 'kernel')
      .map(timed)
      .filter(({ at }) => at >= lo && at <= hi),
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

export function timelineChart(view: View): string {
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
    add((at) => ({
      svg: `${rowLabel('bond state', at, 18)}${note('no state samples in this window', at, 18)}`,
      height: 18,
    }));
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
  const grid = ticks.map(
    (t) => `<line x1="${n1(view.x(t))}" x2="${n1(view.x(t))}" y1="${top}" y2="${bottom}" stroke="#eaeef2"/>`,
  );
  const labels = ticks.map(
    (t) =>
      `<line x1="${n1(view.x(t))}" x2="${n1(view.x(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="${MUTED}"/><text x="${n1(view.x(t))}" y="${bottom + 15}" font-size="${FONT}" text-anchor="middle" fill="${MUTED}">${t}</text>`,
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
  if (!delivery)
    return { svg: `${rowLabel('delivered', y, 20)}${note('no delivery series in these results', y, 20)}`, height: 20 };
  const height = 110;
  const max = Math.max(1, ...delivery.delivered);
  const yTicks = niceTicks(0, max, 3);
  const sy = linear(0, Math.max(max, yTicks.at(-1) ?? max), y + height, y + 4);
  const bucketX = (i: number) => n1(view.x(delivery.start + i * delivery.bucketMs));
  const points = [`${bucketX(0)},${n1(sy(0))}`];
  delivery.delivered.forEach((v, i) => points.push(`${bucketX(i)},${n1(sy(v))}`, `${bucketX(i + 1)},${n1(sy(v))}`));
  points.push(`${bucketX(delivery.delivered.length)},${n1(sy(0))}`);
  const grid = yTicks.map(
    (t) =>
      `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${n1(sy(t))}" y2="${n1(sy(t))}" stroke="#eaeef2"/><text x="${LEFT - 4}" y="${n1(sy(t) + 4)}" font-size="${FONT - 1}" text-anchor="end" fill="${MUTED}">${t}</text>`,
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
function band(
  view: View,
  span: Span,
  y: number,
  height: number,
  fill: string,
  text: string,
  textFill: string,
  tip: string,
): string {
  const x0 = view.x(span.from);
  const width = Math.max(0.8, view.x(span.to) - x0);
  const label =
    textWidth(text) + 6 <= width
      ? `<text x="${n1(x0 + width / 2)}" y="${n1(y + height / 2 + 4)}" font-size="${FONT}" text-anchor="middle" fill="${textFill}">${esc(text)}</text>`
      : '';
  return `<g><title>${esc(`${tip}: ${fmtMs(span.from)} to ${fmtMs(span.to)}`)}</title><rect x="${n1(x0)}" y="${y}" width="${n1(width)}" height="${height}" fill="${fill}" stroke="#fff" stroke-width="0.5"/>${label}</g>`;
}

function activeRow(view: View, y: number): Row {
  const height = 22;
  const bands = spansOf(view, (s) => s.activeSlave ?? '').map((span) =>
    span.key
      ? band(
          view,
          span,
          y,
          height,
          slaveColour(view.slaves, span.key).light,
          `${span.key} active`,
          '#1f2328',
          `${span.key} active`,
        )
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
    return band(
      view,
      span,
      y,
      height,
      fill,
      absent ? span.key : `mii ${span.key}`,
      textFill,
      `${slave} mii ${span.key}`,
    );
  });
  return {
    svg: `<g class="mii" data-slave="${esc(slave)}">${rowLabel(`${slave} mii`, y, height)}${bands.join('')}</g>`,
    height,
  };
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
  return {
    svg: `<g class="kernel">${rowLabel('kernel log', y, height)}${axis}${ticks.length ? ticks.join('') : note('no bonding messages in the kernel log', y, height)}</g>`,
    height,
  };
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
      const seenAt =
        fault.seen === undefined
          ? ''
          : `; the kernel saw it at ${fmtMs(fault.seen)}${fault.e.seenBy ? ` (${fault.e.seenBy})` : ''}`;
      const tip = `fault ${fault.e.fault}${fault.e.slave ? ` on ${fault.e.slave}` : ''}: ${fault.e.detail} (issued at ${fmtMs(fault.from)}, its command returned at ${fmtMs(fault.to)}${seenAt})`;
      const xs =
        fault.seen === undefined || fault.seen < view.lo || fault.seen > view.hi ? undefined : view.x(fault.seen);
      const seen =
        xs === undefined
          ? ''
          : `\n<path class="fault-seen" d="M${n1(xs)},${ly - 2} L${n1(xs + 4)},${ly + 3} L${n1(xs)},${ly + 8} L${n1(xs - 4)},${ly + 3} Z" fill="${RED}"/>`;
      return `<g class="fault-marker"><title>${esc(tip)}</title>
<rect x="${n1(x)}" y="${ly + 2}" width="${n1(Math.max(1, x1 - x))}" height="${n1(bottom - ly - 2)}" fill="${RED}" fill-opacity="0.1"/>
<line x1="${n1(x)}" x2="${n1(x)}" y1="${ly - 4}" y2="${bottom}" stroke="${RED}" stroke-width="1.5"/>
<line x1="${n1(x1)}" x2="${n1(x1)}" y1="${ly + 2}" y2="${bottom}" stroke="${RED}" stroke-width="1" stroke-dasharray="5 3"/>
<path d="M${n1(x - 4)},${ly - 8} L${n1(x + 4)},${ly - 8} L${n1(x)},${ly - 2} Z" fill="${RED}"/>${seen}
<text x="${n1(anchorEnd ? x - 8 : x + 8)}" y="${ly}" font-size="${FONT}" text-anchor="${anchorEnd ? 'end' : 'start'}" fill="#a40e26" font-weight="600" ${HALO}>${esc(text)}</text></g>`;
    })
    .join('\n');
}
