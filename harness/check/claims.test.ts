/**
 * Every claim kind: its YAML translates, and it is judged once on a state it holds for and once on
 * one it does not. The table is typed over the kinds: a new kind without its row does not compile. The states are parsed from
 * /proc text as the 6.1 driver prints it; traffic windows come from the real analysis.
 */
import { describe, expect, it } from 'vitest';
import { parseProcBonding } from '../bond/proc.js';
import type { BondSnapshot } from '../bond/status.js';
import type { Claim } from '../scenario/plan.js';
import type { FaultEvent, KernelEvent, SampleEvent } from '../timeline/events.js';
import { analyze, type Arrival } from '../traffic/analyze.js';
import { DEFAULT_TRAFFIC } from '../traffic/engine.js';
import type { TrafficWindow } from '../traffic/window.js';
import { DEFAULT_THROUGHPUT, type ThroughputResult } from '../traffic/throughput.js';
import { claimId, evaluateOne, type CheckContext } from './assertions.js';
import { expectClaims } from './claim-syntax.js';

const MS = 1_000_000n;

function proc(active: string, eth0: 'up' | 'down', failures0: number, lacp = false, eth1Aggregator = 2): BondSnapshot {
  const slave = (name: string, mii: string, failures: number, id: number, state: number) =>
    [
      `Slave Interface: ${name}`,
      `MII Status: ${mii}`,
      `Link Failure Count: ${failures}`,
      `Permanent HW addr: 02:00:00:00:00:0${name.slice(3)}`,
      ...(lacp
        ? [
            `Aggregator ID: ${id}`,
            'details actor lacp pdu:',
            `    port state: ${state}`,
            'details partner lacp pdu:',
            '    port state: 61',
          ]
        : []),
      '',
    ].join('\n');
  const text = [
    'Ethernet Channel Bonding Driver: 6.1.0-57-amd64',
    '',
    lacp ? 'Bonding Mode: IEEE 802.3ad Dynamic link aggregation' : 'Bonding Mode: fault-tolerance (active-backup)',
    `Currently Active Slave: ${active}`,
    `MII Status: ${active === 'None' ? 'down' : 'up'}`,
    'MII Polling Interval (ms): 100',
    'ARP IP target/s (n.n.n.n form): 198.18.4.254',
    ...(lacp
      ? [
          '',
          '802.3ad info',
          'Active Aggregator Info:',
          '\tAggregator ID: 1',
          '\tPartner Mac Address: 02:aa:00:00:00:01',
        ]
      : []),
    '',
    slave('eth0', eth0, failures0, 1, 61),
    slave('eth1', 'up', 0, eth1Aggregator, 5),
  ].join('\n');
  return { atNs: 5000n * MS, status: parseProcBonding(text).status, procText: text };
}

const fault: FaultEvent = {
  kind: 'fault',
  fault: 'carrier-off',
  slave: 'eth0',
  detail: 'far side p0 down',
  startNs: 1000n * MS,
  endNs: 1010n * MS,
};
const kernel = (ms: number, event: string, slave: string, text: string): KernelEvent => ({
  kind: 'kernel',
  atNs: BigInt(ms) * MS,
  event,
  bond: 'bond0',
  slave,
  text,
});

/** One flow at 1000 packets/s for 2 s, the packets `lost` picks lost, `share` of them through eth0. */
function window(lost: (seq: number) => boolean, share = [1, 0], duplicate = false, reorder = false): TrafficWindow {
  const t0 = 500_000;
  const arrivals: Arrival[] = [];
  for (let seq = 0; seq < 2000; seq++) if (!lost(seq)) arrivals.push([0, seq, t0 + seq * 1000 + 200, t0 + seq * 1000]);
  if (duplicate) arrivals.push([0, 10, t0 + 10_300, t0 + 10_000]);
  if (reorder) [arrivals[20], arrivals[21]] = [arrivals[21] as Arrival, arrivals[20] as Arrival];
  const { flows, totals } = analyze([2000], arrivals, {
    spans: [{ firstUs: t0, lastUs: t0 + 1_999_000 }],
    intervalUs: 1000,
    faults: [{ issuedUs: 1_000_000, returnedUs: 1_010_000 }],
    stalls: [],
    notSent: 0,
  });
  return {
    settings: { ...DEFAULT_TRAFFIC, rate: 1000 },
    startNs: BigInt(t0) * 1000n,
    endNs: BigInt(t0 + 2_000_000) * 1000n,
    achievedPps: 1000,
    setPps: 1000,
    flows: flows.map((f) => ({ ...f, description: 'flow 0' })),
    totals,
    perSlave: share.map((s, i) => ({
      slave: `eth${i}`,
      txPackets: s * 2000,
      rxPackets: s * 2000,
      txShare: s,
      rxShare: s,
    })),
    delivery: { startUs: t0, bucketMs: 10, delivered: [] },
  };
}

const throughput = (factor: number): ThroughputResult => ({
  settings: DEFAULT_THROUGHPUT,
  streamsBps: [factor * 100e6],
  totalBps: factor * 100e6,
  singleLinkBps: 100e6,
  factor,
});

const sample = (ms: number, active: string | null, eth0: string): SampleEvent => ({
  kind: 'sample',
  atNs: BigInt(ms) * MS,
  activeSlave: active,
  bondMii: 'up',
  slaves: [
    { name: 'eth0', mii: eth0, linkFailures: 0 },
    { name: 'eth1', mii: 'up', linkFailures: 0 },
  ],
});

function context(extra: Partial<CheckContext> = {}): CheckContext {
  const events = [
    sample(900, 'eth0', 'up'),
    fault,
    kernel(1050, 'link-down', 'eth0', 'bond0: (slave eth0): link status definitely down'),
    sample(1060, 'eth1', 'down'),
  ];
  return {
    before: proc('eth0', 'up', 0),
    latestFault: fault,
    kernelEvents: [
      kernel(1050, 'link-down', 'eth0', 'bond0: (slave eth0): link status definitely down'),
      kernel(1051, 'new-active-slave', 'eth1', 'bond0: (slave eth1): making interface the new active one'),
    ],
    slaveName: (index) => `eth${index}`,
    traffic: window((seq) => seq >= 500 && seq < 540),
    throughput: throughput(1.9),
    arpTarget: '198.18.4.254',
    farSideMac: '02:aa:00:00:00:01',
    recorded: {
      events,
      sampleTimesNs: [900n, 950n, 1000n, 1060n, 1100n, 1200n, 1300n].map((ms) => ms * MS),
      nowNs: 1300n * MS,
      bond: 'bond0',
      slaveName: (index) => `eth${index}`,
      origin: () => ({ ns: fault.startNs, label: 'the fault was issued' }),
    },
    ...extra,
  };
}

type Case = { claim: Claim; state?: BondSnapshot; context?: Partial<CheckContext> };
const after = proc('eth1', 'down', 1);
const slave0 = { index: 0 };

/** For each claim kind: the expect mapping that writes its holding claim, a claim and state it holds for, and one it does not. */
const CASES: { [K in Claim['kind']]: { yaml: Record<string, unknown>; holds: Case; fails: Case } } = {
  mode: {
    yaml: { mode: 'active-backup' },
    holds: { claim: { kind: 'mode', expected: 'active-backup' } },
    fails: { claim: { kind: 'mode', expected: 'balance-rr' } },
  },
  'active-slave': {
    yaml: { activeSlave: { not: 'slave0' } },
    holds: { claim: { kind: 'active-slave', expected: { isNot: slave0 } } },
    fails: { claim: { kind: 'active-slave', expected: { is: slave0 } } },
  },
  'active-slave-changed': {
    yaml: { activeSlaveChanged: true },
    holds: { claim: { kind: 'active-slave-changed', expected: true } },
    fails: { claim: { kind: 'active-slave-changed', expected: false } },
  },
  'bond-mii': {
    yaml: { bondMii: 'up' },
    holds: { claim: { kind: 'bond-mii', expected: 'up' } },
    fails: { claim: { kind: 'bond-mii', expected: 'down' } },
  },
  'slave-mii': {
    yaml: { slaveMii: { slave0: 'down' } },
    holds: { claim: { kind: 'slave-mii', slave: slave0, expected: 'down' } },
    fails: { claim: { kind: 'slave-mii', slave: slave0, expected: 'up' } },
  },
  'slave-count': {
    yaml: { slaves: 2 },
    holds: { claim: { kind: 'slave-count', expected: 2 } },
    fails: { claim: { kind: 'slave-count', expected: 3 } },
  },
  'link-failures': {
    yaml: { linkFailures: { slave0: { increasedBy: 1 } } },
    holds: { claim: { kind: 'link-failures', slave: slave0, increasedBy: 1 } },
    fails: { claim: { kind: 'link-failures', slave: slave0, exactly: 0 } },
  },
  'same-aggregator': {
    yaml: { sameAggregator: ['slave0', 'slave1'] },
    holds: {
      claim: { kind: 'same-aggregator', slaves: [slave0, { index: 1 }] },
      state: proc('eth0', 'up', 0, true, 1),
    },
    fails: { claim: { kind: 'same-aggregator', slaves: [slave0, { index: 1 }] }, state: proc('eth0', 'up', 0, true) },
  },
  'lacp-state': {
    yaml: { lacpState: { slave0: ['activity', 'synchronization', 'distributing'] } },
    holds: {
      claim: {
        kind: 'lacp-state',
        slave: slave0,
        flags: ['activity', 'synchronization', 'distributing'],
        side: 'actor',
      },
      state: proc('eth0', 'up', 0, true),
    },
    fails: {
      claim: { kind: 'lacp-state', slave: { index: 1 }, flags: ['distributing'], side: 'actor' },
      state: proc('eth0', 'up', 0, true),
    },
  },
  'arp-targets': {
    yaml: { arpTargets: ['arp-target'] },
    holds: { claim: { kind: 'arp-targets', expected: ['arp-target'] } },
    fails: { claim: { kind: 'arp-targets', expected: ['192.0.2.1'] } },
  },
  'lacp-partner': {
    yaml: { lacpPartner: 'far-side' },
    holds: { claim: { kind: 'lacp-partner', expected: 'far-side' }, state: proc('eth0', 'up', 0, true) },
    fails: {
      claim: { kind: 'lacp-partner', expected: 'far-side' },
      state: proc('eth0', 'up', 0, true),
      context: { farSideMac: '02:bb:00:00:00:01' },
    },
  },
  'log-event': {
    yaml: { log: [{ event: 'new-active-slave', within: '100ms' }] },
    holds: { claim: { kind: 'log-event', event: 'new-active-slave', withinMsOfFault: 100, present: true } },
    fails: { claim: { kind: 'log-event', event: 'link-down', slave: slave0, present: false } },
  },
  'traffic-outage': {
    yaml: { traffic: { maxOutage: '100ms' } },
    holds: { claim: { kind: 'traffic-outage', maxMs: 100 } },
    fails: { claim: { kind: 'traffic-outage', maxMs: 10 } },
  },
  'traffic-loss': {
    yaml: { traffic: { maxLoss: '5%' } },
    holds: { claim: { kind: 'traffic-loss', maxRatio: 0.05 } },
    fails: { claim: { kind: 'traffic-loss', maxRatio: 0.01 } },
  },
  'traffic-duplicates': {
    yaml: { traffic: { duplicates: 'expected' } },
    holds: {
      claim: { kind: 'traffic-duplicates', expected: true },
      context: { traffic: window(() => false, [1, 0], true) },
    },
    fails: { claim: { kind: 'traffic-duplicates', expected: true } },
  },
  'traffic-reordering': {
    yaml: { traffic: { reordering: 'forbidden' } },
    holds: { claim: { kind: 'traffic-reordering', expected: false } },
    fails: {
      claim: { kind: 'traffic-reordering', expected: false },
      context: { traffic: window(() => false, [1, 0], false, true) },
    },
  },
  throughput: {
    yaml: { throughput: { minFactor: 1.5 } },
    holds: { claim: { kind: 'throughput', minFactor: 1.5 } },
    fails: { claim: { kind: 'throughput', minFactor: 1.5 }, context: { throughput: throughput(1.1) } },
  },
  'traffic-balance': {
    yaml: { traffic: { balance: { minSlaves: 2, maxShare: 0.6 } } },
    holds: {
      claim: { kind: 'traffic-balance', direction: 'tx', minSlaves: 2, maxShare: 0.6 },
      context: { traffic: window(() => false, [0.5, 0.5]) },
    },
    fails: { claim: { kind: 'traffic-balance', direction: 'tx', minSlaves: 2 } },
  },
  sequence: {
    yaml: { sequence: { activeSlave: ['slave0', 'slave1'] } },
    holds: {
      claim: {
        kind: 'sequence',
        subject: { kind: 'active-slave' },
        states: [{ state: 'slave0' }, { state: 'slave1' }],
      },
    },
    fails: {
      claim: {
        kind: 'sequence',
        subject: { kind: 'active-slave' },
        states: [{ state: 'slave0' }, { state: 'none' }, { state: 'slave1' }],
      },
    },
  },
  never: {
    yaml: { never: { activeSlave: 'none' } },
    holds: { claim: { kind: 'never', subject: { kind: 'active-slave' }, state: 'none' } },
    fails: { claim: { kind: 'never', subject: { kind: 'slave-mii', slave: slave0 }, state: 'down' } },
  },
};

describe('every claim kind', () => {
  for (const [kind, { yaml, holds, fails }] of Object.entries(CASES)) {
    it(`${kind}: translates from YAML, passes when it holds, fails when it does not`, () => {
      expect(expectClaims(yaml).claims).toEqual([holds.claim]);
      const passed = evaluateOne(holds.claim, holds.state ?? after, context(holds.context));
      expect(passed, JSON.stringify(passed)).toMatchObject({ passed: true });
      const failed = evaluateOne(fails.claim, fails.state ?? after, context(fails.context));
      expect(failed, JSON.stringify(failed)).toMatchObject({ passed: false });
      expect(failed.disturbed, 'a decided failure, not an inconclusive one').toBeUndefined();
    });
  }
});

describe('check ids', () => {
  it('are the claim kind and its parameters, whatever their order, on every check', () => {
    const a = claimId({ kind: 'link-failures', slave: slave0, increasedBy: 1, exactly: undefined });
    const b = claimId({ kind: 'link-failures', increasedBy: 1, slave: { index: 0 } });
    expect(a).toBe('link-failures{"increasedBy":1,"slave":{"index":0}}');
    expect(b).toBe(a);
    expect(claimId({ kind: 'link-failures', slave: { index: 1 }, increasedBy: 1 })).not.toBe(a);
    const { claim } = CASES['slave-mii'].holds;
    expect(evaluateOne(claim, after, context()).id).toBe(claimId(claim));
  });
});
