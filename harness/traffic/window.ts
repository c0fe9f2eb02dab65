/** A traffic window's settings and what was measured in it: the results the checks and reports read. */
import type { DeliverySeries, FlowStats, TrafficTotals } from './analyze.js';

export interface TrafficSettings {
  /** How many flows at once. */
  flows: number;
  /** What tells the flows apart: source ports (layer3+4), addresses of one host (layer2+3), or client hosts (layer2). */
  vary: 'ports' | 'addresses' | 'clients';
  /** Packets per second, per flow. */
  rate: number;
  direction: 'to-clients' | 'from-clients';
  size: number;
}

export interface SlaveShare {
  slave: string;
  txPackets: number;
  rxPackets: number;
  txShare: number;
  rxShare: number;
}

/** One traffic window: from traffic start to traffic stop. */
export interface TrafficWindow {
  settings: TrafficSettings;
  startNs: bigint;
  endNs: bigint;
  /** Packets per second actually sent, all flows together. */
  achievedPps: number;
  /** Packets per second the flows were set to send, all together: what achievedPps falls short of when the sender stalls. */
  setPps?: number;
  flows: (FlowStats & { description: string })[];
  totals: TrafficTotals;
  /** Probe packets per DUT slave, transmitted and received, with each slave's share. */
  perSlave: SlaveShare[];
  delivery: DeliverySeries;
}

/** A window's loss by cause, in words: "12 in failover, 3 unrelated, 0 by the harness; 40 not sent". */
export function describeCauses(window: TrafficWindow): string {
  const c = window.totals.causes;
  if (!c) return 'causes unknown';
  return `${c.failover} in failover, ${c.unrelated} unrelated, ${c.harness} by the harness; ${c.notSent} not sent`;
}
