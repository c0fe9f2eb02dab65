/**
 * What the probe's arrivals say: per flow, loss, duplicates, reordering and the longest gap in
 * delivery; and the window's loss split by cause (a fault's failover, unrelated, the harness).
 * Pure, so synthetic arrival sequences test it.
 */

/** One received packet: flow, sequence number, arrival and send time in microseconds (CLOCK_MONOTONIC). */
export type Arrival = [flow: number, seq: number, atUs: number, sentUs: number];

export interface FlowStats {
  flow: number;
  sent: number;
  received: number;
  /** Distinct sequence numbers never seen. */
  lost: number;
  duplicates: number;
  /** Packets that arrived after a higher sequence number of the same flow. */
  reordered: number;
  /** The longest time without a delivery, between the first and the last arrival, in ms. */
  longestGapMs: number;
  /** When that gap began (the last arrival before it), in microseconds. */
  longestGapStartUs?: number;
  /**
   * The outage: the longest stretch of send time whose packets were all lost, in ms, from the
   * last delivered packet's send time to the next delivered one's. The sender's clock makes it
   * immune to the sender's own stalls, which a gap in arrivals is not.
   */
  outageMs: number;
  outageStartUs?: number;
}

export interface TrafficTotals {
  sent: number;
  received: number;
  lost: number;
  lossRatio: number;
  duplicates: number;
  reordered: number;
  /** The worst flow's outage: its longest run of lost packets, in send time. */
  outageMs: number;
  outageStartUs?: number;
  /** The longest time the receivers saw nothing at all. */
  deliveryGapMs: number;
  /** Loss by cause, when the window's context was known (always, for windows the engine measured). */
  causes?: LossCauses;
  /** Per fault issued inside the window: the loss its failover caused. */
  failovers?: FailoverLoss[];
  /** Times the sender did not run (its timer fired late), and their sum, in ms. */
  stalls?: { startUs: number; ms: number }[];
  stalledMs?: number;
}

/** Where a window's missing packets went. `failover + unrelated + harness` is `lost`; `notSent` is not part of it. */
export interface LossCauses {
  /** Lost inside a fault's failover window: sent from the fault's issue until delivery resumed. */
  failover: number;
  /** Lost with no fault to blame: before any fault, or outside every failover window. */
  unrelated: number;
  /** Lost by the harness itself: refused by the sender's stack or dropped at a full receive buffer. */
  harness: number;
  /** Due at the set rate while the sender did not run, and skipped: never sent, so never lost. */
  notSent: number;
}

/** One fault's failover, as the probe saw it. */
export interface FailoverLoss {
  /** When the fault's command was issued, in microseconds. */
  issuedUs: number;
  /** Packets lost from the issue until delivery resumed, all flows. */
  lost: number;
  /** The longest run of lost packets of one flow from the fault's issue until delivery resumed, in send time. */
  outageMs: number;
  /** Where that run begins: its last delivery before the loss, or the issue if that came later; in microseconds. */
  startUs: number;
  /** When delivery resumed (the latest flow), in microseconds; the issue when nothing was lost. */
  resumedUs: number;
  /** When the loss that ran into the failover had already begun before the issue: by how much, in ms. */
  beganBeforeMs?: number;
}

/** What the engine knows of a window beyond the arrivals. Times in microseconds on the target's clock. */
export interface WindowContext {
  /** Per flow: its first and last send time, so loss at either end of a flow is timed too. */
  spans?: { firstUs: number; lastUs: number }[];
  /** The send interval of each flow, in microseconds. */
  intervalUs?: number;
  /** Fault commands inside the window: issued and returned. */
  faults?: { issuedUs: number; returnedUs: number }[];
  /** Sender stalls, [from, to]. */
  stalls?: [number, number][];
  /** Packets never sent (skipped while the sender stalled), all flows. */
  notSent?: number;
  /** Packets the harness lost: refused by the sender's stack, dropped at a full receive buffer. */
  harnessLost?: number;
}

/** Loss that starts this long after a fault's command returned is no longer that fault's. */
export const FAILOVER_ONSET_MS = 1000;

export function flowStats(
  flow: number,
  sent: number,
  arrivals: Arrival[],
  span?: { firstUs: number; lastUs: number },
): FlowStats {
  const seen = new Set<number>();
  let duplicates = 0;
  let reordered = 0;
  let highest = -1;
  for (const [, seq] of arrivals) {
    if (seen.has(seq)) {
      duplicates++;
      continue;
    }
    seen.add(seq);
    if (seq < highest) reordered++;
    else highest = seq;
  }
  const { gapMs, startUs } = longestGap(arrivals);
  const outage = lossStretch(arrivals, sent, span);
  return {
    flow,
    sent,
    received: arrivals.length,
    lost: Math.max(0, sent - seen.size),
    duplicates,
    reordered,
    longestGapMs: gapMs,
    longestGapStartUs: startUs,
    outageMs: outage.gapMs,
    outageStartUs: outage.startUs,
  };
}

/**
 * The longest run of lost packets of one flow, in send time: from the last packet delivered
 * before the run to the first delivered after it. A pause of the sender loses nothing and so
 * counts for nothing. With the flow's span (its first and last send), loss at either end of the
 * flow counts too: a flow whose delivery stopped for good has an outage, not none.
 */
export function lossStretch(
  arrivals: Arrival[],
  sent = 0,
  span?: { firstUs: number; lastUs: number },
): { gapMs: number; startUs?: number } {
  let gap = 0;
  let startUs: number | undefined;
  for (const run of lossRuns(0, sent || arrivals.reduce((max, [, seq]) => Math.max(max, seq + 1), 0), arrivals, span)) {
    if (run.toUs - run.fromUs > gap) {
      gap = run.toUs - run.fromUs;
      startUs = run.fromUs;
    }
  }
  return { gapMs: gap / 1000, startUs };
}

export function longestGap(arrivals: Arrival[]): { gapMs: number; startUs?: number } {
  const times = arrivals.map(([, , at]) => at).sort((a, b) => a - b);
  let gap = 0;
  let startUs: number | undefined;
  for (let i = 1; i < times.length; i++) {
    const delta = (times[i] ?? 0) - (times[i - 1] ?? 0);
    if (delta > gap) {
      gap = delta;
      startUs = times[i - 1];
    }
  }
  return { gapMs: gap / 1000, startUs };
}

/** Flows whose last packet has not arrived (`sent` per flow): what may still be in flight when a window is read. */
export function missingTails(sent: number[], arrivals: Arrival[]): number {
  const last = new Set(arrivals.filter(([flow, seq]) => seq === (sent[flow] ?? 0) - 1).map(([flow]) => flow));
  return sent.filter((count, flow) => count > 0 && !last.has(flow)).length;
}

/** Packets delivered per bucket of send time, from the first send to the last: what a chart of delivery over time draws. */
export interface DeliverySeries {
  /** The first bucket's start, in microseconds on the target's monotonic clock. */
  startUs: number;
  bucketMs: number;
  /** Distinct packets (all flows) sent within each bucket that arrived at least once. */
  delivered: number[];
}

export function deliverySeries(arrivals: Arrival[], firstUs: number, lastUs: number, bucketMs: number): DeliverySeries {
  const buckets = Math.max(1, Math.ceil((lastUs - firstUs) / (bucketMs * 1000)));
  const delivered = new Array<number>(buckets).fill(0);
  const seen = new Set<string>();
  for (const [flow, seq, , sentUs] of arrivals) {
    const key = `${flow}:${seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const index = Math.min(buckets - 1, Math.max(0, Math.floor((sentUs - firstUs) / (bucketMs * 1000))));
    delivered[index] = (delivered[index] ?? 0) + 1;
  }
  return { startUs: firstUs, bucketMs, delivered };
}

/** A run of lost packets of one flow, with the send time of each lost packet estimated between its neighbours. */
export interface LossRun {
  flow: number;
  /** Send time of the last delivered packet before it (or the flow's first send), in microseconds. */
  fromUs: number;
  /** Send time of the first delivered packet after it (or the flow's last send), in microseconds. */
  toUs: number;
  /** Estimated send times of its lost packets, in order. */
  lostUs: number[];
}

/**
 * Every run of lost packets of one flow. A lost packet's send time is interpolated between the
 * delivered packets around it (the sender sends in sequence); with the flow's span, loss at the
 * start or the end of the flow, which no pair of deliveries brackets, is a run too.
 */
export function lossRuns(
  flow: number,
  sent: number,
  arrivals: Arrival[],
  span?: { firstUs: number; lastUs: number },
): LossRun[] {
  const sentAt = new Map<number, number>();
  for (const [, seq, , sentUs] of arrivals) if (!sentAt.has(seq)) sentAt.set(seq, sentUs);
  // A delivered sequence number at or above `sent` would be another window's: ignore it.
  const points = [...sentAt.entries()].filter(([seq]) => seq < sent).sort((a, b) => a[0] - b[0]);
  if (span && sent > 0) {
    if ((points[0]?.[0] ?? sent) > 0) points.unshift([-1, span.firstUs]);
    if ((points.at(-1)?.[0] ?? -1) < sent - 1) points.push([sent, span.lastUs]);
  }
  const runs: LossRun[] = [];
  for (let i = 1; i < points.length; i++) {
    const [beforeSeq, fromUs] = points[i - 1] ?? [0, 0];
    const [afterSeq, toUs] = points[i] ?? [0, 0];
    if (afterSeq === beforeSeq + 1) continue;
    // The span's ends are the first and last sends themselves, not deliveries around the run.
    const first = beforeSeq === -1 ? 0 : beforeSeq + 1;
    const last = afterSeq === sent ? sent - 1 : afterSeq - 1;
    const lo = beforeSeq === -1 ? 0 : beforeSeq;
    const hi = afterSeq === sent ? sent - 1 : afterSeq;
    const step = hi > lo ? (toUs - fromUs) / (hi - lo) : 0;
    const lostUs: number[] = [];
    for (let seq = first; seq <= last; seq++) lostUs.push(fromUs + (seq - lo) * step);
    runs.push({ flow, fromUs, toUs, lostUs });
  }
  return runs;
}

/** How much of [fromUs, toUs] the intervals cover; overlapping intervals (several senders stalled at once) count once. */
function overlapUs(intervals: [number, number][], fromUs: number, toUs: number): number {
  let covered = 0;
  let reached = fromUs;
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    const start = Math.max(a, reached);
    const end = Math.min(b, toUs);
    if (end > start) covered += end - start;
    reached = Math.max(reached, Math.min(b, toUs));
  }
  return covered;
}

/** Sender stall time inside [fromUs, toUs], in ms: time in which the probe could not see the bond. */
export function unseenMs(stalls: [number, number][] | undefined, fromUs: number, toUs: number): number {
  return overlapUs(stalls ?? [], fromUs, toUs) / 1000;
}

/**
 * Splits the loss runs by cause. The failover window of a fault, per flow: the first run of loss
 * that begins between the fault's issue and FAILOVER_ONSET_MS after its command returned (or that
 * was under way at the issue), from the issue to where delivery resumed. Its packets sent before
 * the issue, and every other run, are unrelated.
 */
export function splitLoss(
  runs: LossRun[],
  faults: { issuedUs: number; returnedUs: number }[],
  intervalUs = 1000,
): { failover: number; unrelated: number; failovers: FailoverLoss[] } {
  const sorted = [...faults].sort((a, b) => a.issuedUs - b.issuedUs);
  const failovers: FailoverLoss[] = sorted.map((f) => ({
    issuedUs: f.issuedUs,
    lost: 0,
    outageMs: 0,
    startUs: f.issuedUs,
    resumedUs: f.issuedUs,
  }));
  const claimed = new Set<LossRun>();
  sorted.forEach((fault, i) => {
    const next = sorted[i + 1]?.issuedUs ?? Number.POSITIVE_INFINITY;
    const result = failovers[i];
    if (!result) return;
    for (const flow of new Set(runs.map((r) => r.flow))) {
      const run = runs.find(
        (r) =>
          r.flow === flow &&
          !claimed.has(r) &&
          (r.lostUs.at(-1) ?? 0) >= fault.issuedUs &&
          (r.lostUs[0] ?? 0) <= fault.returnedUs + FAILOVER_ONSET_MS * 1000 &&
          (r.lostUs[0] ?? 0) < next,
      );
      if (!run) continue;
      claimed.add(run);
      const inside = run.lostUs.filter((t) => t >= fault.issuedUs).length;
      result.lost += inside;
      const startUs = Math.max(run.fromUs, fault.issuedUs);
      const outageMs = (run.toUs - startUs) / 1000;
      if (outageMs > result.outageMs) Object.assign(result, { outageMs, startUs });
      result.resumedUs = Math.max(result.resumedUs, run.toUs);
      // Loss that began more than two send intervals (and 5 ms) before the issue was not the fault's doing.
      const beganBeforeMs = (fault.issuedUs - (run.lostUs[0] ?? fault.issuedUs)) / 1000;
      if (beganBeforeMs > Math.max(5, (2 * intervalUs) / 1000))
        result.beganBeforeMs = Math.max(result.beganBeforeMs ?? 0, beganBeforeMs);
    }
  });
  const lost = runs.reduce((sum, r) => sum + r.lostUs.length, 0);
  const failover = failovers.reduce((sum, f) => sum + f.lost, 0);
  return { failover, unrelated: lost - failover, failovers };
}

export function analyze(
  sent: number[],
  arrivals: Arrival[],
  context?: WindowContext,
): { flows: FlowStats[]; totals: TrafficTotals } {
  const byFlow = new Map<number, Arrival[]>();
  for (const arrival of arrivals) {
    const list = byFlow.get(arrival[0]);
    if (list) list.push(arrival);
    else byFlow.set(arrival[0], [arrival]);
  }
  const flows = sent.map((count, flow) => flowStats(flow, count, byFlow.get(flow) ?? [], context?.spans?.[flow]));
  const total = (key: 'sent' | 'received' | 'lost' | 'duplicates' | 'reordered') =>
    flows.reduce((sum, f) => sum + f[key], 0);
  const worst = [...flows].sort((a, b) => b.outageMs - a.outageMs)[0];
  const sentTotal = total('sent');
  return {
    flows,
    totals: {
      sent: sentTotal,
      received: total('received'),
      lost: total('lost'),
      lossRatio: sentTotal ? total('lost') / sentTotal : 0,
      duplicates: total('duplicates'),
      reordered: total('reordered'),
      outageMs: worst?.outageMs ?? 0,
      outageStartUs: worst?.outageStartUs,
      deliveryGapMs: longestGap(arrivals).gapMs,
      ...(context ? causesOf(sent, byFlow, total('lost'), context) : {}),
    },
  };
}

function causesOf(
  sent: number[],
  byFlow: Map<number, Arrival[]>,
  lost: number,
  context: WindowContext,
): Pick<TrafficTotals, 'causes' | 'failovers' | 'stalls' | 'stalledMs'> {
  const runs = sent.flatMap((count, flow) => lossRuns(flow, count, byFlow.get(flow) ?? [], context.spans?.[flow]));
  const split = splitLoss(runs, context.faults ?? [], context.intervalUs);
  // The harness's own loss is known by count only: it is taken from what no fault explains first.
  const harness = Math.min(lost, context.harnessLost ?? 0);
  const unrelated = Math.max(0, lost - split.failover - harness);
  const stalls = (context.stalls ?? []).map(([from, to]) => ({ startUs: from, ms: (to - from) / 1000 }));
  return {
    causes: { failover: lost - unrelated - harness, unrelated, harness, notSent: context.notSent ?? 0 },
    failovers: split.failovers,
    stalls,
    stalledMs: stalls.reduce((sum, s) => sum + s.ms, 0),
  };
}
