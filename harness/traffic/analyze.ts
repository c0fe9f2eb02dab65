/**
 * What the probe's arrivals say: per flow, loss, duplicates, reordering and the longest gap in
 * delivery. Pure, so synthetic arrival sequences test it.
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
}

export function flowStats(flow: number, sent: number, arrivals: Arrival[]): FlowStats {
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
  const outage = lossStretch(arrivals);
  return { flow, sent, received: arrivals.length, lost: Math.max(0, sent - seen.size), duplicates, reordered, longestGapMs: gapMs, longestGapStartUs: startUs, outageMs: outage.gapMs, outageStartUs: outage.startUs };
}

/**
 * The longest run of lost packets of one flow, in send time: from the last packet delivered
 * before the run to the first delivered after it. A pause of the sender loses nothing and so
 * counts for nothing.
 */
export function lossStretch(arrivals: Arrival[]): { gapMs: number; startUs?: number } {
  const sentAt = new Map<number, number>();
  for (const [, seq, , sentUs] of arrivals) if (!sentAt.has(seq)) sentAt.set(seq, sentUs);
  const seqs = [...sentAt.keys()].sort((a, b) => a - b);
  let gap = 0;
  let startUs: number | undefined;
  for (let i = 1; i < seqs.length; i++) {
    const before = seqs[i - 1] ?? 0;
    const after = seqs[i] ?? 0;
    if (after === before + 1) continue;
    const delta = (sentAt.get(after) ?? 0) - (sentAt.get(before) ?? 0);
    if (delta > gap) {
      gap = delta;
      startUs = sentAt.get(before);
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

export function analyze(sent: number[], arrivals: Arrival[]): { flows: FlowStats[]; totals: TrafficTotals } {
  const byFlow = new Map<number, Arrival[]>();
  for (const arrival of arrivals) {
    const list = byFlow.get(arrival[0]);
    if (list) list.push(arrival);
    else byFlow.set(arrival[0], [arrival]);
  }
  const flows = sent.map((count, flow) => flowStats(flow, count, byFlow.get(flow) ?? []));
  const total = (key: 'sent' | 'received' | 'lost' | 'duplicates' | 'reordered') => flows.reduce((sum, f) => sum + f[key], 0);
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
    },
  };
}
