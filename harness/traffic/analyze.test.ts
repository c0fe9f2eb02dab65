import { describe, expect, it } from 'vitest';
import { analyze, deliverySeries, flowStats, longestGap, type Arrival } from './analyze.js';

/** A steady flow: one packet per ms from t0, leaving out the sequence numbers given. */
function steady(flow: number, count: number, skip: (seq: number) => boolean = () => false, t0 = 1_000_000): Arrival[] {
  const out: Arrival[] = [];
  for (let seq = 0; seq < count; seq++) if (!skip(seq)) out.push([flow, seq, t0 + seq * 1000 + 300, t0 + seq * 1000]);
  return out;
}

describe('probe accounting', () => {
  it('sees a clean flow as clean', () => {
    expect(flowStats(0, 100, steady(0, 100))).toMatchObject({ sent: 100, received: 100, lost: 0, duplicates: 0, reordered: 0, longestGapMs: 1 });
  });

  it('measures a gap as the time between the deliveries around it', () => {
    const arrivals = steady(0, 1000, (seq) => seq >= 300 && seq < 420);
    const stats = flowStats(0, 1000, arrivals);
    expect(stats.lost).toBe(120);
    expect(stats.longestGapMs).toBe(121);
    expect(stats.longestGapStartUs).toBe(1_000_000 + 299 * 1000 + 300);
    expect(stats.outageMs).toBe(121);
    expect(stats.outageStartUs).toBe(1_000_000 + 299 * 1000);
  });

  it('counts loss at the end of a flow, which no gap shows', () => {
    expect(flowStats(0, 100, steady(0, 90)).lost).toBe(10);
  });

  it('counts duplicates once each and does not count them as received twice towards loss', () => {
    const arrivals = steady(0, 10).flatMap((a) => [a, [a[0], a[1], a[2] + 10, a[3]] as Arrival]);
    expect(flowStats(0, 10, arrivals)).toMatchObject({ received: 20, duplicates: 10, lost: 0, reordered: 0 });
  });

  it('counts a packet that arrives after a later one as reordered', () => {
    const arrivals: Arrival[] = [[0, 0, 1, 0], [0, 2, 2, 2], [0, 1, 3, 1], [0, 3, 4, 3], [0, 5, 5, 5], [0, 4, 6, 4]];
    expect(flowStats(0, 6, arrivals)).toMatchObject({ reordered: 2, lost: 0, duplicates: 0 });
  });

  it('reports the worst flow\'s outage, and the time nothing at all arrived apart', () => {
    const a = steady(0, 1000, (seq) => seq >= 100 && seq < 600);
    const b = steady(1, 1000);
    const { totals, flows } = analyze([1000, 1000], [...a, ...b]);
    expect(flows[0]?.longestGapMs).toBe(501);
    expect(flows[0]?.outageMs).toBe(501);
    expect(totals.outageMs).toBe(501);
    expect(totals.deliveryGapMs).toBe(1);
    expect(totals).toMatchObject({ sent: 2000, received: 1500, lost: 500, lossRatio: 0.25 });
  });

  it('measures the outage by send time, so a sender that stalls is not counted as an outage', () => {
    // Sent every ms, but the sender stalled for 80 ms after seq 49 and then sent a burst: all delivered.
    const arrivals: Arrival[] = Array.from({ length: 100 }, (_, seq) => {
      const sentUs = seq < 50 ? seq * 1000 : 130_000 + (seq - 50) * 10;
      return [0, seq, sentUs + 200, sentUs];
    });
    const stats = flowStats(0, 100, arrivals);
    expect(stats.lost).toBe(0);
    expect(stats.outageMs).toBe(0);
    expect(stats.longestGapMs).toBe(81);
    const lossy = arrivals.filter(([, seq]) => seq < 20 || seq >= 40);
    expect(flowStats(0, 100, lossy).outageMs).toBe(21);
  });

  it('finds the longest gap in an unsorted sequence', () => {
    expect(longestGap([[0, 2, 50_000, 2], [0, 0, 0, 0], [0, 1, 10_000, 1]])).toEqual({ gapMs: 40, startUs: 10_000 });
    expect(longestGap([])).toEqual({ gapMs: 0, startUs: undefined });
  });
});

describe('delivery series', () => {
  it('counts each delivered packet once, in the bucket of its send time, and leaves the outage empty', () => {
    // 1 packet per ms for 100 ms; sends 30..59 ms lost, packet 10 arrives twice.
    const arrivals: Arrival[] = [];
    for (let seq = 0; seq < 100; seq++) if (seq < 30 || seq >= 60) arrivals.push([0, seq, 1_000_000 + seq * 1000 + 300, 1_000_000 + seq * 1000]);
    arrivals.push([0, 10, 1_050_000, 1_010_000]);
    const series = deliverySeries(arrivals, 1_000_000, 1_099_000, 10);
    expect(series.delivered).toEqual([10, 10, 10, 0, 0, 0, 10, 10, 10, 10]);
    expect(series.startUs).toBe(1_000_000);
  });
});
