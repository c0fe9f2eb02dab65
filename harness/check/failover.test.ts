import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/engine.js';
import { failoverTimings } from './failover.js';

const ms = (n: number) => BigInt(n) * 1_000_000n;

function window(outageStartMs: number, outageMs: number): TrafficWindow {
  return {
    settings: { flows: 1, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 },
    startNs: ms(1000),
    endNs: ms(5000),
    achievedPps: 1000,
    flows: [],
    totals: { sent: 4000, received: 3900, lost: 100, lossRatio: 0.025, duplicates: 0, reordered: 0, outageMs, outageStartUs: outageStartMs * 1000, deliveryGapMs: outageMs },
    perSlave: [],
    delivery: { startUs: 0, bucketMs: 10, delivered: [] },
  };
}

const sample = (atMs: number, active: string, eth0: string): TimelineEvent => ({
  kind: 'sample',
  atNs: ms(atMs),
  activeSlave: active,
  bondMii: 'up',
  slaves: [{ name: 'eth0', mii: eth0, linkFailures: 0 }, { name: 'eth1', mii: 'up', linkFailures: 0 }],
});

describe('failover timing', () => {
  const fault: TimelineEvent = { kind: 'fault', fault: 'carrier-off', slave: 'eth0', detail: 'far side p0 down', startNs: ms(1900), endNs: ms(2000) };

  it('times the state change from the kernel log and delivery from the outage end', () => {
    const timeline: TimelineEvent[] = [
      sample(1500, 'eth0', 'up'),
      fault,
      { kind: 'kernel', atNs: ms(2010), event: 'link-down', bond: 'lag0', slave: 'p0', text: 'lag0: (slave p0): link status definitely down, disabling slave' },
      { kind: 'kernel', atNs: ms(2080), event: 'link-down', bond: 'bond0', slave: 'eth0', text: 'bond0: (slave eth0): link status definitely down, disabling slave' },
      sample(2100, 'eth1', 'down'),
    ];
    expect(failoverTimings(timeline, window(1995, 100), 'bond0')).toEqual([
      { fault: 'far side p0 down', faultNs: ms(2000), stateChangeMs: 80, stateChangeBy: 'kernel: bond0: (slave eth0): link status definitely down, disabling slave', deliveryRestoredMs: 95, outageMs: 100 },
    ]);
  });

  it('falls back to the first sample that differs when the kernel said nothing', () => {
    const timeline: TimelineEvent[] = [sample(1500, 'eth0', 'up'), fault, sample(2050, 'eth0', 'up'), sample(2150, 'eth1', 'down')];
    expect(failoverTimings(timeline, window(1995, 100), 'bond0')[0]).toMatchObject({ stateChangeMs: 150, stateChangeBy: 'state sample' });
  });

  it('ignores faults outside the traffic window', () => {
    const early: TimelineEvent = { ...fault, startNs: ms(100), endNs: ms(200) } as TimelineEvent;
    expect(failoverTimings([early], window(1995, 100), 'bond0')).toEqual([]);
  });
});
