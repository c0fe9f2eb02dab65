import { describe, expect, it } from 'vitest';
import {
  analyze,
  deliverySeries,
  flowStats,
  longestGap,
  lossRuns,
  missingTails,
  splitLoss,
  unseenMs,
  type Arrival,
} from './analyze.js';

/** A steady flow: one packet per ms from t0, leaving out the sequence numbers given. */
function steady(flow: number, count: number, skip: (seq: number) => boolean = () => false, t0 = 1_000_000): Arrival[] {
  const out: Arrival[] = [];
  for (let seq = 0; seq < count; seq++) if (!skip(seq)) out.push([flow, seq, t0 + seq * 1000 + 300, t0 + seq * 1000]);
  return out;
}

describe('probe accounting', () => {
  it('sees a clean flow as clean', () => {
    expect(flowStats(0, 100, steady(0, 100))).toMatchObject({
      sent: 100,
      received: 100,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      longestGapMs: 1,
    });
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
    const arrivals: Arrival[] = [
      [0, 0, 1, 0],
      [0, 2, 2, 2],
      [0, 1, 3, 1],
      [0, 3, 4, 3],
      [0, 5, 5, 5],
      [0, 4, 6, 4],
    ];
    expect(flowStats(0, 6, arrivals)).toMatchObject({ reordered: 2, lost: 0, duplicates: 0 });
  });

  it("reports the worst flow's outage, and the time nothing at all arrived apart", () => {
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
    expect(
      longestGap([
        [0, 2, 50_000, 2],
        [0, 0, 0, 0],
        [0, 1, 10_000, 1],
      ]),
    ).toEqual({ gapMs: 40, startUs: 10_000 });
    expect(longestGap([])).toEqual({ gapMs: 0, startUs: undefined });
  });
});

describe('delivery series', () => {
  it('counts each delivered packet once, in the bucket of its send time, and leaves the outage empty', () => {
    // 1 packet per ms for 100 ms; sends 30..59 ms lost, packet 10 arrives twice.
    const arrivals: Arrival[] = [];
    for (let seq = 0; seq < 100; seq++)
      if (seq < 30 || seq >= 60) arrivals.push([0, seq, 1_000_000 + seq * 1000 + 300, 1_000_000 + seq * 1000]);
    arrivals.push([0, 10, 1_050_000, 1_010_000]);
    const series = deliverySeries(arrivals, 1_000_000, 1_099_000, 10);
    expect(series.delivered).toEqual([10, 10, 10, 0, 0, 0, 10, 10, 10, 10]);
    expect(series.startUs).toBe(1_000_000);
  });
});

describe('loss by cause', () => {
  const span = (count: number, t0 = 1_000_000) => ({ firstUs: t0, lastUs: t0 + (count - 1) * 1000 });

  it('times loss at the end of a flow as an outage: delivery that stopped for good is not an outage of 0 ms', () => {
    // 5000 sent at 1 per ms; everything after seq 4000 lost (as in a window whose delivery stopped 1 s before its end).
    const arrivals = steady(0, 4000);
    const { totals } = analyze([5000], arrivals, { spans: [span(5000)] });
    expect(totals.lost).toBe(1000);
    expect(totals.outageMs).toBe(1000);
    expect(totals.outageStartUs).toBe(1_000_000 + 3999 * 1000);
    // Without the flow's span (an older caller) the trailing loss has no end to time it by.
    expect(analyze([5000], arrivals).totals.outageMs).toBe(0);
  });

  it('times loss at the start of a flow, and a flow that delivered nothing at all', () => {
    const late = steady(0, 1000, (seq) => seq < 300);
    expect(analyze([1000], late, { spans: [span(1000)] }).totals.outageMs).toBe(300);
    expect(analyze([1000], [], { spans: [span(1000)] }).totals).toMatchObject({ lost: 1000, outageMs: 999 });
  });

  it('estimates the send time of each lost packet between its delivered neighbours', () => {
    const runs = lossRuns(
      0,
      10,
      steady(0, 10, (seq) => seq >= 3 && seq <= 5),
    );
    expect(runs).toEqual([{ flow: 0, fromUs: 1_002_000, toUs: 1_006_000, lostUs: [1_003_000, 1_004_000, 1_005_000] }]);
  });

  it('splits loss into the failover of a fault and loss no fault explains', () => {
    // Two flows, 1 packet per ms each for 3 s. 200 lost before any fault (seq 100-299 of flow 0);
    // the fault is issued at +1500 ms and returns at +1800 ms; both flows then lose 400 ms from +1600 ms.
    const t0 = 1_000_000;
    const a = steady(0, 3000, (seq) => (seq >= 100 && seq < 300) || (seq >= 1600 && seq < 2000), t0);
    const b = steady(1, 3000, (seq) => seq >= 1600 && seq < 2000, t0);
    const { totals } = analyze([3000, 3000], [...a, ...b], {
      spans: [span(3000), span(3000)],
      intervalUs: 1000,
      faults: [{ issuedUs: t0 + 1_500_000, returnedUs: t0 + 1_800_000 }],
    });
    expect(totals.causes).toEqual({ failover: 800, unrelated: 200, harness: 0, notSent: 0 });
    expect(totals.failovers).toEqual([
      { issuedUs: t0 + 1_500_000, lost: 800, outageMs: 401, startUs: t0 + 1_599_000, resumedUs: t0 + 2_000_000 },
    ]);
    // The worst loss of any cause is still the window's outage.
    expect(totals.outageMs).toBe(401);
  });

  it('says when the loss running into a failover had begun before the fault was issued', () => {
    // Loss from +1000 ms to +2500 ms; the fault is issued at +2000 ms: 1000 ms of it were not the fault's doing.
    const t0 = 1_000_000;
    const arrivals = steady(0, 3000, (seq) => seq >= 1000 && seq < 2500, t0);
    const split = splitLoss(
      lossRuns(0, 3000, arrivals),
      [{ issuedUs: t0 + 2_000_000, returnedUs: t0 + 2_100_000 }],
      1000,
    );
    expect(split.failover).toBe(500);
    expect(split.unrelated).toBe(1000);
    expect(split.failovers[0]).toMatchObject({ lost: 500, outageMs: 500, beganBeforeMs: 1000 });
  });

  it('does not blame a fault for loss that begins long after its command returned', () => {
    const t0 = 1_000_000;
    const arrivals = steady(0, 5000, (seq) => seq >= 4000 && seq < 4100, t0);
    const split = splitLoss(lossRuns(0, 5000, arrivals), [{ issuedUs: t0 + 1_000_000, returnedUs: t0 + 1_200_000 }]);
    expect(split).toMatchObject({
      failover: 0,
      unrelated: 100,
      failovers: [{ lost: 0, outageMs: 0, resumedUs: t0 + 1_000_000 }],
    });
  });

  it("counts the harness's own loss apart, and what the sender never sent as not sent", () => {
    const { totals } = analyze(
      [1000],
      steady(0, 1000, (seq) => seq % 100 === 0),
      { spans: [span(1000)], harnessLost: 10, notSent: 250, stalls: [[1_200_000, 1_450_000]] },
    );
    expect(totals.causes).toEqual({ failover: 0, unrelated: 0, harness: 10, notSent: 250 });
    expect(totals.stalls).toEqual([{ startUs: 1_200_000, ms: 250 }]);
    expect(totals.stalledMs).toBe(250);
  });

  it('measures the stall time inside an interval', () => {
    expect(
      unseenMs(
        [
          [0, 100_000],
          [200_000, 300_000],
        ],
        50_000,
        250_000,
      ),
    ).toBe(100);
    expect(unseenMs(undefined, 0, 1)).toBe(0);
    // Two senders stalled at once: the time is unseen once.
    expect(
      unseenMs(
        [
          [0, 100_000],
          [50_000, 150_000],
          [120_000, 130_000],
        ],
        0,
        1_000_000,
      ),
    ).toBe(150);
  });

  it('tells which flows still miss their last packet: what may be in flight when a window is read', () => {
    const arrivals = [...steady(0, 100), ...steady(1, 90), ...steady(2, 100, (seq) => seq === 50)];
    expect(missingTails([100, 100, 100], arrivals)).toBe(1);
    expect(missingTails([100, 90, 100], arrivals)).toBe(0);
    // A flow that sent nothing misses nothing; one that sent and got nothing through misses its tail.
    expect(missingTails([100, 90, 100, 0, 5], arrivals)).toBe(1);
  });
});
