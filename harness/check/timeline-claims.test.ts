import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Claim, TimelineOrigin } from '../scenario/plan.js';
import type { FaultEvent, TimelineEvent } from '../timeline/events.js';
import { neverCheck, type NeverClaim } from './claims/never.js';
import { sequenceCheck, type SequenceClaim } from './claims/sequence.js';
import { stateRuns, type RecordedTimeline } from './timeline-claims.js';

type TimelineClaim = SequenceClaim | NeverClaim;
const evaluateTimelineClaim = (claim: TimelineClaim, recorded: RecordedTimeline) =>
  claim.kind === 'sequence' ? sequenceCheck(claim, recorded) : neverCheck(claim, recorded);

const ms = (n: number) => BigInt(Math.round(n * 1e6));

const sample = (atMs: number, active: string | null, eth0: string, bondMii = 'up'): TimelineEvent => ({
  kind: 'sample',
  atNs: ms(atMs),
  activeSlave: active,
  bondMii,
  slaves: [
    { name: 'eth0', mii: eth0, linkFailures: 1 },
    { name: 'eth1', mii: 'up', linkFailures: 0 },
  ],
});
const kernel = (atMs: number, event: string, slave: string, text: string): TimelineEvent => ({
  kind: 'kernel',
  atNs: ms(atMs),
  event,
  bond: 'bond0',
  slave,
  text: `bond0: (slave ${slave}): ${text}`,
});
const carrierOn: FaultEvent = {
  kind: 'fault',
  fault: 'carrier-on',
  slave: 'eth0',
  detail: 'far side p0 up',
  startNs: ms(1000),
  endNs: ms(1400),
};

function recorded(events: TimelineEvent[], nowMs: number, sampleTimesMs: number[] = []): RecordedTimeline {
  return {
    events,
    sampleTimesNs: sampleTimesMs.map(ms),
    nowNs: ms(nowMs),
    bond: 'bond0',
    slaveName: (index) => `eth${index}`,
    origin: (since: TimelineOrigin | undefined) =>
      since?.kind === 'start'
        ? { ns: 0n, label: 'the case start' }
        : { ns: carrierOn.startNs, label: 'the fault was issued' },
  };
}

const updelaySequence = (atLeastMs: number): TimelineClaim => ({
  kind: 'sequence',
  subject: { kind: 'slave-mii', slave: { index: 0 } },
  states: [{ state: 'down' }, { state: 'going back', atLeastMs }, { state: 'up' }],
});

/** The sampler looked late: nothing between the fault and 2.1 s, long after the updelay had run out. */
const lateLook = [
  sample(900, 'eth1', 'down'),
  carrierOn,
  kernel(1100, 'pending-up', 'eth0', 'link status up, enabling it in 600 ms'),
  kernel(1703, 'link-up', 'eth0', 'link status definitely up'),
  kernel(1703, 'new-active-slave', 'eth0', 'making interface the new active one'),
  sample(2100, 'eth0', 'up'),
];

/** A quiet TCG run: the read that showed eth0 down began 38 ms before the kernel's line and ended after it. */
const slowRead = (readEndMs: number): TimelineEvent[] => [
  sample(900, 'eth0', 'up'),
  kernel(1236.6, 'pending-down', 'eth0', 'link status down for active interface, disabling it in 400 ms'),
  { ...sample(1247.3, 'eth0', 'going down'), readNs: ms(1249) } as TimelineEvent,
  { ...sample(1623.2, 'eth1', 'down'), readNs: ms(readEndMs) } as TimelineEvent,
  kernel(1661.4, 'link-down', 'eth0', 'link status definitely down, disabling slave'),
];
const downdelaySequence = (atLeastMs: number): TimelineClaim => ({
  kind: 'sequence',
  subject: { kind: 'slave-mii', slave: { index: 0 } },
  states: [{ state: 'up' }, { state: 'going down', atLeastMs }, { state: 'down' }],
});

describe('sequence claims', () => {
  it('judge what the kernel did although the harness looked late: the kernel log pins "going back"', () => {
    const check = evaluateTimelineClaim(updelaySequence(590), recorded(lateLook, 2200, [900, 2100]));
    expect(check).toMatchObject({ passed: true, expected: 'down, then going back for at least 590 ms, then up' });
    expect(check.actual).toBe(
      'since the fault was issued: down 100 ms, then going back 603 ms, then up 497+ ms so far',
    );
    expect(check.disturbed).toBeUndefined();
  });

  it("let the kernel's line pin a change that a slow read showed, as long as the read ended after the line", () => {
    const check = evaluateTimelineClaim(downdelaySequence(390), recorded(slowRead(1668), 2500, [900, 1247.3, 1623.2]));
    expect(check.actual).toBe(
      'since the fault was issued: up 237 ms, then going down 425 ms, then down 839+ ms so far',
    );
    expect(check.passed).toBe(true);
  });

  it('cap a change at the end of the read that showed it, when the kernel printed later still', () => {
    const check = evaluateTimelineClaim(downdelaySequence(400), recorded(slowRead(1630), 2500, [900, 1247.3, 1623.2]));
    expect(check.actual).toContain('going down 393 ms');
    expect(check.passed).toBe(false);
    expect(check.disturbed).toBeUndefined();
  });

  it('fail a false duration outright when the kernel log pins both ends', () => {
    const check = evaluateTimelineClaim(updelaySequence(2000), recorded(lateLook, 4000, [900, 2100]));
    expect(check.passed).toBe(false);
    expect(check.disturbed).toBeUndefined();
    expect(check.actual).toContain('going back 603 ms');
  });

  it('are disturbed, never passed, when only a sampler gap stands where the answer lies', () => {
    // No kernel lines: going back was seen at 1150 ms and up only at 1900 ms, after a 650 ms gap.
    const events = [
      sample(900, 'eth1', 'down'),
      carrierOn,
      sample(1150, 'eth1', 'going back'),
      sample(1900, 'eth0', 'up'),
    ];
    const check = evaluateTimelineClaim(
      updelaySequence(700),
      recorded(events, 2000, [900, 1050, 1150, 1250, 1900, 2000]),
    );
    expect(check.passed).toBe(false);
    expect(check.actual).toContain('going back 100-850 ms');
    expect(check.disturbed).toMatch(/the sampler saw up only at \+900 ms, 650 ms after the sample before/);
    // The same samples do decide a bound they cannot miss.
    const decided = evaluateTimelineClaim(
      updelaySequence(900),
      recorded(events, 2000, [900, 1050, 1150, 1250, 1900, 2000]),
    );
    expect(decided.passed).toBe(false);
    expect(decided.disturbed).toBeUndefined();
  });

  it('fail a sequence in the wrong order, and wait for one not yet complete', () => {
    const wrong: TimelineClaim = {
      kind: 'sequence',
      subject: { kind: 'slave-mii', slave: { index: 0 } },
      states: [{ state: 'going back' }, { state: 'down' }],
    };
    expect(evaluateTimelineClaim(wrong, recorded(lateLook, 2200, [900, 2100])).passed).toBe(false);
    const early = evaluateTimelineClaim(updelaySequence(590), recorded(lateLook.slice(0, 3), 1300, [900]));
    expect(early.passed).toBe(false);
    expect(early.actual).toContain('not complete when the time was up');
  });

  it('follow the active slave by name, from the kernel log and the samples', () => {
    const active: TimelineClaim = {
      kind: 'sequence',
      subject: { kind: 'active-slave' },
      states: [{ state: 'slave1' }, { state: 'slave0' }],
    };
    expect(evaluateTimelineClaim(active, recorded(lateLook, 2200, [900, 2100]))).toMatchObject({
      passed: true,
      actual: 'since the fault was issued: eth1 703 ms, then eth0 497+ ms so far',
    });
    const back: TimelineClaim = { ...active, states: [{ state: 'slave0' }, { state: 'slave1' }] };
    expect(evaluateTimelineClaim(back, recorded(lateLook, 2200, [900, 2100])).passed).toBe(false);
  });

  it('are undecided until the kernel line that pins a change is read, however late (updelay-delays-return, load-agreement run ca5ad9e)', () => {
    // Times from that run, +1000 ms: the sampler saw eth0 up 38 ms after its previous look; the kernel
    // stamped "definitely up" 9 ms after that sample, and the harness read the line only later still.
    const seen = [
      sample(963.2, 'eth1', 'down'),
      carrierOn,
      kernel(1187.1, 'pending-up', 'eth0', 'link status up, enabling it in 600 ms'),
      sample(1197.8, 'eth1', 'going back'),
      sample(1805.7, 'eth0', 'up'),
    ];
    const late = [
      kernel(1814.4, 'link-up', 'eth0', 'link status definitely up'),
      kernel(1814.6, 'new-active-slave', 'eth0', 'making interface the new active one'),
    ];
    const looks = [963.2, 1197.8, 1767.7, 1805.7];
    const before = evaluateTimelineClaim(updelaySequence(590), recorded(seen, 1810, looks));
    expect(before.disturbed).toMatch(/going back|up only at/);
    expect(before.actual).toContain('going back 581-619 ms');
    const after = evaluateTimelineClaim(updelaySequence(590), recorded([...seen, ...late], 1850, [...looks, 1850]));
    expect(after).toMatchObject({ passed: true });
    expect(after.actual).toContain('going back 619 ms');
  });

  it('judge the real kernel: updelay 600 on Debian 6.1 under heavy load (recorded), true and false claims', () => {
    const fixture = JSON.parse(readFileSync('fixtures/timelines/updelay-6.1-loaded.json', 'utf8')) as {
      timeline: Record<string, unknown>[];
    };
    const events = fixture.timeline.map((e) =>
      Object.fromEntries(Object.entries(e).map(([k, v]) => [k, /Ns$/.test(k) ? BigInt(v as string) : v])),
    ) as unknown as TimelineEvent[];
    const faults = events.filter((e): e is FaultEvent => e.kind === 'fault');
    const fault = faults.at(-1);
    if (!fault) throw new Error('the fixture has no fault');
    const last = events.reduce((max, e) => (e.kind === 'sample' && e.atNs > max ? e.atNs : max), 0n);
    const real: RecordedTimeline = {
      ...recorded(events, 0),
      nowNs: last,
      origin: () => ({ ns: fault.startNs, label: 'carrier-on' }),
    };
    const truth = evaluateTimelineClaim(updelaySequence(590), real);
    expect(truth).toMatchObject({ passed: true });
    expect(truth.actual).toMatch(/going back 655 ms/);
    const lie = evaluateTimelineClaim(updelaySequence(2000), real);
    expect(lie.passed).toBe(false);
    expect(lie.disturbed).toBeUndefined();
  });
});

describe('never claims', () => {
  const never = (
    state: 'none' | 'down',
    during?: number,
    subject: TimelineClaim['subject'] = { kind: 'active-slave' },
  ): Claim & TimelineClaim => ({ kind: 'never', subject, state, since: { kind: 'fault' }, duringMs: during });
  const flicker = [
    sample(900, 'eth1', 'up'),
    carrierOn,
    kernel(1200, 'no-active', 'eth1', 'now running without any active interface!'),
    kernel(1260, 'new-active-slave', 'eth1', 'making interface the new active one'),
    sample(1300, 'eth1', 'up'),
  ];
  const every50 = Array.from({ length: 60 }, (_, i) => 900 + i * 50);

  it('catch a state that came and went between two looks', () => {
    const check = evaluateTimelineClaim(never('none', 1000), recorded(flicker, 3000, every50));
    expect(check.passed).toBe(false);
    expect(check.actual).toMatch(/none at \+200 ms/);
  });

  it('pass over a window the sampler covered, and wait for the window to end', () => {
    expect(
      evaluateTimelineClaim(never('down', 1000, { kind: 'bond-mii' }), recorded(flicker, 3000, every50)),
    ).toMatchObject({ passed: true });
    expect(
      evaluateTimelineClaim(never('down', 1000, { kind: 'bond-mii' }), recorded(flicker, 1500, every50)).actual,
    ).toMatch(/not over yet/);
  });

  it('are disturbed, never passed, when the sampler did not look for over a second of the window', () => {
    const check = evaluateTimelineClaim(
      never('down', 2000, { kind: 'bond-mii' }),
      recorded(flicker, 3500, [900, 1300, 2900, 3100]),
    );
    expect(check.passed).toBe(false);
    expect(check.disturbed).toMatch(/did not look for 1600 ms/);
  });
});

describe('state runs', () => {
  it('pin a change no later than the sample that showed it, when the kernel stamped its line after it', () => {
    const events = [
      sample(900, 'eth1', 'down'),
      carrierOn,
      kernel(1100, 'pending-up', 'eth0', 'link status up, enabling it in 600 ms'),
      sample(1150, 'eth1', 'up'),
      kernel(1180, 'link-up', 'eth0', 'link status definitely up'),
    ];
    const runs = stateRuns(
      { kind: 'slave-mii', slave: { index: 0 } },
      recorded(events, 1300, [900, 1050, 1150, 1250]),
      carrierOn.startNs,
    );
    expect(runs.map((r) => [r.state, r.minMs, r.maxMs])).toEqual([
      ['down', 100, 100],
      ['going back', 50, 50],
      ['up', 150, undefined],
    ]);
  });

  it('take the state at the origin from the last sample before it', () => {
    const runs = stateRuns(
      { kind: 'slave-mii', slave: { index: 0 } },
      recorded(lateLook, 2200, [900, 2100]),
      carrierOn.startNs,
    );
    expect(runs.map((r) => [r.state, r.minMs, r.maxMs])).toEqual([
      ['down', 100, 100],
      ['going back', 603, 603],
      ['up', 497, undefined],
    ]);
  });
});
