import { describe, expect, it } from 'vitest';
import type { FaultEvent, TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';
import type { BondSnapshot } from '../bond/status.js';
import { evaluateOne } from './assertions.js';
import { failoverTimings, faultSeen, outageFollowsFault } from './failover.js';

const ms = (n: number) => BigInt(n) * 1_000_000n;

function window(outageStartMs: number, outageMs: number): TrafficWindow {
  return {
    settings: { flows: 1, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 },
    startNs: ms(1000),
    endNs: ms(5000),
    achievedPps: 1000,
    flows: [],
    totals: {
      sent: 4000,
      received: 3900,
      lost: 100,
      lossRatio: 0.025,
      duplicates: 0,
      reordered: 0,
      outageMs,
      outageStartUs: outageStartMs * 1000,
      deliveryGapMs: outageMs,
    },
    perSlave: [],
    delivery: { startUs: 0, bucketMs: 10, delivered: [] },
  };
}

const sample = (atMs: number, active: string, eth0: string): TimelineEvent => ({
  kind: 'sample',
  atNs: ms(atMs),
  activeSlave: active,
  bondMii: 'up',
  slaves: [
    { name: 'eth0', mii: eth0, linkFailures: 0 },
    { name: 'eth1', mii: 'up', linkFailures: 0 },
  ],
});

describe('failover timing', () => {
  const fault: TimelineEvent = {
    kind: 'fault',
    fault: 'carrier-off',
    slave: 'eth0',
    detail: 'far side p0 down',
    startNs: ms(1900),
    endNs: ms(2000),
  };

  it('times the state change from the kernel log and delivery from the outage end', () => {
    const timeline: TimelineEvent[] = [
      sample(1500, 'eth0', 'up'),
      fault,
      {
        kind: 'kernel',
        atNs: ms(2010),
        event: 'link-down',
        bond: 'lag0',
        slave: 'p0',
        text: 'lag0: (slave p0): link status definitely down, disabling slave',
      },
      {
        kind: 'kernel',
        atNs: ms(2080),
        event: 'link-down',
        bond: 'bond0',
        slave: 'eth0',
        text: 'bond0: (slave eth0): link status definitely down, disabling slave',
      },
      sample(2100, 'eth1', 'down'),
    ];
    // Timed from when the fault's command was issued (1900), not when it returned (2000).
    expect(failoverTimings(timeline, window(1995, 100), 'bond0')).toEqual([
      {
        fault: 'far side p0 down',
        faultNs: ms(1900),
        commandMs: 100,
        seenMs: 180,
        stateChangeMs: 180,
        stateChangeBy: 'kernel: bond0: (slave eth0): link status definitely down, disabling slave',
        deliveryRestoredMs: 195,
        outageMs: 100,
      },
    ]);
  });

  it('falls back to the first sample that differs when the kernel said nothing', () => {
    const timeline: TimelineEvent[] = [
      sample(1500, 'eth0', 'up'),
      fault,
      sample(2050, 'eth0', 'up'),
      sample(2150, 'eth1', 'down'),
    ];
    expect(failoverTimings(timeline, window(1995, 100), 'bond0')[0]).toMatchObject({
      stateChangeMs: 250,
      stateChangeBy: 'state sample',
      seenMs: 250,
    });
  });

  it('does not time delivery from an outage that began before the fault was issued', () => {
    const timeline: TimelineEvent[] = [sample(1500, 'eth0', 'up'), fault, sample(2150, 'eth1', 'down')];
    expect(failoverTimings(timeline, window(1500, 800), 'bond0')[0]?.deliveryRestoredMs).toBeUndefined();
    // One send interval before the issue is still the fault's: that packet was in flight.
    expect(failoverTimings(timeline, window(1899, 300), 'bond0')[0]?.deliveryRestoredMs).toBe(299);
  });

  it('ignores faults outside the traffic window', () => {
    const early: TimelineEvent = { ...fault, startNs: ms(100), endNs: ms(200) };
    expect(failoverTimings([early], window(1995, 100), 'bond0')).toEqual([]);
  });
});

describe('fault windows', () => {
  const down: FaultEvent = {
    kind: 'fault',
    fault: 'carrier-off',
    slave: 'eth0',
    detail: 'p0 down',
    startNs: ms(1000),
    endNs: ms(1400),
  };
  const up: FaultEvent = {
    kind: 'fault',
    fault: 'carrier-on',
    slave: 'eth0',
    detail: 'p0 up',
    startNs: ms(3000),
    endNs: ms(3100),
  };
  const timeline: TimelineEvent[] = [
    sample(900, 'eth0', 'up'),
    up,
    down,
    {
      kind: 'kernel',
      atNs: ms(1150),
      event: 'link-down',
      bond: 'bond0',
      slave: 'eth0',
      text: 'bond0: (slave eth0): link status definitely down, disabling slave',
    },
    {
      kind: 'kernel',
      atNs: ms(1151),
      event: 'new-active-slave',
      bond: 'bond0',
      slave: 'eth1',
      text: 'bond0: (slave eth1): making interface the new active one',
    },
    sample(1300, 'eth1', 'down'),
    sample(3200, 'eth1', 'up'),
  ];

  it('sees a fault when the kernel did, before its command returned', () => {
    expect(faultSeen(down, timeline, 'bond0')).toEqual({
      seenNs: ms(1150),
      seenBy: 'kernel: bond0: (slave eth0): link status definitely down, disabling slave',
    });
    expect(faultSeen(down, timeline, 'lag0', ms(3000))).toEqual({ seenNs: ms(1300), seenBy: 'state sample' });
  });

  it('attributes to a fault only a loss stretch that began at most two send intervals before its issue', () => {
    const w = window(0, 0);
    expect(outageFollowsFault(998_000, down, w)).toBe(true);
    expect(outageFollowsFault(997_000, down, w)).toBe(false);
  });
});

describe("the outage claim's note on the fault", () => {
  const state: BondSnapshot = { atNs: ms(5000), status: { source: 'proc', slaves: [] }, procText: '' };
  const fault: FaultEvent = {
    kind: 'fault',
    fault: 'carrier-off',
    slave: 'eth0',
    detail: 'p0 down',
    startNs: ms(1900),
    endNs: ms(2300),
  };
  /** A window whose analysis found the fault's failover loss starting at `outageStartMs`. */
  const note = (outageStartMs: number) => {
    const w = window(outageStartMs, 300);
    const beganBeforeMs = outageStartMs < 1900 ? 1900 - outageStartMs : undefined;
    w.totals.failovers = [
      {
        issuedUs: 1_900_000,
        lost: 30,
        outageMs: 300,
        startUs: outageStartMs * 1000,
        resumedUs: (outageStartMs + 300) * 1000,
        beganBeforeMs,
      },
    ];
    return evaluateOne({ kind: 'traffic-outage', maxMs: 1000 }, state, {
      kernelEvents: [],
      slaveName: (i) => `eth${i}`,
      latestFault: fault,
      traffic: w,
    }).actual;
  };

  it('times the failover from when the fault was issued, not when its command returned', () => {
    expect(note(1950)).toMatch(/^300\.0 ms, failover outage from the fault's issue;/);
  });

  it('says when delivery had stopped before the fault was issued', () => {
    expect(note(1500)).toMatch(
      /^300\.0 ms, failover outage from the fault's issue \(delivery had already stopped 400 ms before it\)/,
    );
  });
});
