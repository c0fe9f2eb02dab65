/**
 * Traffic claims on disturbed measurements: synthetic windows (arrivals built packet by packet,
 * analysed by the real analysis) and kernel-log lines as the 6.1 driver prints them.
 */
import { describe, expect, it } from 'vitest';
import type { BondStatus } from '../bond/status.js';
import type { Claim } from '../scenario/plan.js';
import type { FaultEvent, KernelEvent } from '../timeline/events.js';
import { analyze, type Arrival } from '../traffic/analyze.js';
import { DEFAULT_TRAFFIC } from '../traffic/engine.js';
import type { TrafficWindow } from '../traffic/window.js';
import type { BondSnapshot } from '../bond/status.js';
import { evaluateOne, isFailed, isInconclusive, type CheckContext, type CheckResult } from './assertions.js';

const T0 = 10_000_000; // us: the window's first send
const FAULT_ISSUED = T0 + 500_000;
const FAULT_RETURNED = T0 + 600_000;

interface Scenario {
  /** Sequence numbers lost (1 flow, 1 packet per ms, 2000 packets). */
  lost?: (seq: number) => boolean;
  /** Sender stalls: send times jump over these [from, to] intervals (packets due there are skipped). */
  stalls?: [number, number][];
  kernel?: [ms: number, event: string, text: string][];
  /** How long the fault's command took (default: 100 ms). */
  commandMs?: number;
  /** A probe that kept no record of its stalls, only its achieved rate. */
  noStallRecord?: boolean;
}

function windowOf({ lost = () => false, stalls = [], noStallRecord = false }: Scenario): TrafficWindow {
  const arrivals: Arrival[] = [];
  let at = T0;
  let seq = 0;
  let notSent = 0;
  while (at <= T0 + 1_999_000) {
    const stall = stalls.find(([from, to]) => at >= from && at < to);
    if (stall) {
      notSent += Math.round((stall[1] - at) / 1000);
      at = stall[1];
      continue;
    }
    if (!lost(seq)) arrivals.push([0, seq, at + 200, at]);
    seq++;
    at += 1000;
  }
  const spans = [{ firstUs: T0, lastUs: at - 1000 }];
  const { flows, totals } = analyze([seq], arrivals, {
    spans,
    intervalUs: 1000,
    faults: [{ issuedUs: FAULT_ISSUED, returnedUs: FAULT_RETURNED }],
    stalls,
    notSent,
  });
  return {
    settings: { ...DEFAULT_TRAFFIC, rate: 1000 },
    startNs: BigInt(T0) * 1000n,
    endNs: BigInt(T0 + 2_000_000) * 1000n,
    achievedPps: Math.round(seq / 2),
    setPps: 1000,
    flows: flows.map((f) => ({ ...f, description: 'flow 0' })),
    totals: noStallRecord ? { ...totals, stalls: undefined } : totals,
    perSlave: [],
    delivery: { startUs: T0, bucketMs: 10, delivered: [] },
  };
}

const status = (activeSlave: string): BondStatus =>
  ({ mode: { name: 'active-backup', number: 1 }, miimon: 100, activeSlave, slaves: [] }) as unknown as BondStatus;

function verdict(claim: Claim, scenario: Scenario): CheckResult {
  const fault: FaultEvent = {
    kind: 'fault',
    fault: 'carrier-off',
    slave: 'eth0',
    detail: 'carrier off',
    startNs: BigInt(FAULT_ISSUED) * 1000n,
    endNs: BigInt(scenario.commandMs === undefined ? FAULT_RETURNED : FAULT_ISSUED + scenario.commandMs * 1000) * 1000n,
  };
  const kernelEvents: KernelEvent[] = (scenario.kernel ?? []).map(([ms, event, text]) => ({
    kind: 'kernel',
    atNs: BigInt(FAULT_RETURNED + ms * 1000) * 1000n,
    event,
    bond: 'bond0',
    slave: 'eth0',
    text,
  }));
  for (const e of kernelEvents) if (e.event === 'new-active-slave') e.slave = 'eth1';
  const state: BondSnapshot = { atNs: 0n, status: status('eth1'), procText: '' };
  const context: CheckContext = {
    before: { atNs: 0n, status: status('eth0'), procText: '' },
    latestFault: fault,
    kernelEvents,
    slaveName: (i) => `eth${i}`,
    traffic: windowOf(scenario),
  };
  return evaluateOne(claim, state, context);
}

const outageAtMost = (maxMs: number): Claim => ({ kind: 'traffic-outage', maxMs });
const outageAtLeast = (minMs: number): Claim => ({ kind: 'traffic-outage', minMs });
const lossAtMost = (maxRatio: number): Claim => ({ kind: 'traffic-loss', maxRatio });
/** 400 ms of loss from 50 ms after the fault's issue: a downdelay-400 failover. */
const downdelayLoss = (seq: number) => seq >= 550 && seq < 950;
/** The 6.1 driver's lines for that failover, in ms after the fault's command returned. */
const downdelayLog: [number, string, string][] = [
  [60, 'pending-down', 'bond0: (slave eth0): link status down for active interface, disabling it in 400 ms'],
  [460, 'link-down', 'bond0: (slave eth0): link status definitely down, disabling slave'],
  [460, 'new-active-slave', 'bond0: (slave eth1): making interface the new active one'],
];

describe('traffic claims on an undisturbed window', () => {
  it("pass and fail on the failover outage, counted from the fault's issue", () => {
    expect(verdict(outageAtMost(500), { lost: downdelayLoss, kernel: downdelayLog })).toMatchObject({ passed: true });
    const tooLong = verdict(outageAtMost(200), { lost: downdelayLoss, kernel: downdelayLog });
    expect(isFailed(tooLong)).toBe(true);
    expect(tooLong.actual).toMatch(/^401\.0 ms, failover outage from the fault's issue/);
    expect(isFailed(verdict(outageAtLeast(600), { lost: downdelayLoss, kernel: downdelayLog }))).toBe(true);
    expect(verdict(outageAtLeast(400), { lost: downdelayLoss, kernel: downdelayLog })).toMatchObject({ passed: true });
  });

  it('pass and fail on loss, with the loss split by cause in the actual value', () => {
    expect(verdict(lossAtMost(0.25), { lost: downdelayLoss })).toMatchObject({ passed: true });
    const check = verdict(lossAtMost(0.01), { lost: downdelayLoss });
    expect(isFailed(check)).toBe(true);
    expect(check.actual).toMatch(
      /^20\.00% \(400 of 2000; 400 in a fault's failover, 0 unrelated, 0 lost by the harness/,
    );
  });
});

describe('traffic claims on a disturbed window', () => {
  it('never passes an outage bound when the sender stalled across the failover', () => {
    // The probe saw no loss because it did not send from 100 ms before the fault to 600 ms after it.
    const stalled = { stalls: [[FAULT_ISSUED - 100_000, FAULT_ISSUED + 600_000]] as [number, number][] };
    const check = verdict(outageAtMost(200), stalled);
    expect(check.passed).toBe(false);
    expect(isInconclusive(check)).toBe(true);
    expect(check.disturbed).toMatch(/the probe sent \d+ of 1000 packets\/s|did not run for/);
    expect(isInconclusive(verdict(lossAtMost(0), stalled))).toBe(true);
    // A minimum the stall could have hidden is undecided too, not failed.
    expect(isInconclusive(verdict(outageAtLeast(400), stalled))).toBe(true);
  });

  it('lets a loss bound pass when short stalls spread over the failover window could hide less than the bound', () => {
    // As on a quiet TCG guest under 800 pps: 30 ms stalls every 100 ms after the fault, no loss seen.
    // The failover's loss is one run: it could have hidden inside one 30 ms stall, not in all of them.
    const stalls = Array.from({ length: 11 }, (_, i): [number, number] => [
      FAULT_ISSUED + i * 100_000,
      FAULT_ISSUED + i * 100_000 + 30_000,
    ]);
    expect(verdict(lossAtMost(0.15), { stalls }).passed).toBe(true);
    expect(isInconclusive(verdict(lossAtMost(0.01), { stalls }))).toBe(true);
  });

  it("calls an outage beyond its bound inconclusive when the fault's own command took longer than the bound", () => {
    // Seen at load 29 on 2 cores: \`ip link set p0 down\` took 4329 ms and 802.3ad's miimon noticed 1.4 s late.
    const starved = verdict(outageAtMost(200), { lost: downdelayLoss, commandMs: 1500 });
    expect(isInconclusive(starved)).toBe(true);
    expect(starved.disturbed).toMatch(/the fault's own command took 1500 ms/);
    expect(isFailed(verdict(outageAtMost(200), { lost: downdelayLoss }))).toBe(true);
  });

  it('judges a slow probe by its stalls around the failover, and by its rate only when it kept no stall record', () => {
    // 40 ms stalls every 100 ms over the whole window: the probe sent 60% of its rate, no loss seen.
    const stalls = Array.from({ length: 20 }, (_, i): [number, number] => [
      T0 + i * 100_000,
      T0 + i * 100_000 + 40_000,
    ]);
    expect(verdict(outageAtMost(200), { stalls }).passed).toBe(true);
    expect(verdict(lossAtMost(0.1), { stalls }).passed).toBe(true);
    const unrecorded = verdict(outageAtMost(200), { stalls, noStallRecord: true });
    expect(isInconclusive(unrecorded)).toBe(true);
    expect(unrecorded.disturbed).toMatch(/below 80.00% across a fault/);
  });

  it("never passes an outage bound that the kernel's own log contradicts", () => {
    // No stall, no loss seen, yet the driver logs the new active slave 460 ms after the fault.
    const check = verdict(outageAtMost(200), { kernel: downdelayLog });
    expect(isInconclusive(check)).toBe(true);
    expect(check.disturbed).toMatch(
      /no new active slave until 460 ms after the link was surely down, longer than 200 ms/,
    );
    expect(isInconclusive(verdict(lossAtMost(0.01), { kernel: downdelayLog }))).toBe(true);
  });

  it('calls an outage inconclusive when the sender stall inside it or late kernel timers explain the excess, and failed when they cannot', () => {
    // The sender stalled for 250 ms right after its last delivered packet, then lost 350: the outage began somewhere in the stall.
    const lost = (seq: number) => seq >= 510 && seq < 860;
    const stalls: [number, number][] = [[T0 + 510_000, T0 + 760_000]];
    const excused = verdict(outageAtMost(400), { lost, stalls });
    expect(isInconclusive(excused)).toBe(true);
    expect(excused.disturbed).toMatch(/did not run at the edge of the loss: the outage was between 351 and 601 ms/);
    // The same stall with lost packets on both sides of it was outage throughout: the claim fails.
    expect(isFailed(verdict(outageAtMost(400), { lost: (seq) => seq >= 500 && seq < 860, stalls }))).toBe(true);
    // And a minimum the edge stall leaves undecided is inconclusive too.
    expect(isInconclusive(verdict(outageAtLeast(500), { lost, stalls }))).toBe(true);
    // Timers 300 ms late (the 400 ms downdelay took 700 ms) excuse 300 ms of a 700 ms outage beyond a 500 ms bound, not 500 ms beyond 200.
    const lateLog: [number, string, string][] = [
      downdelayLog[0]!,
      [760, 'link-down', downdelayLog[1]![2]],
      [760, 'new-active-slave', downdelayLog[2]![2]],
    ];
    const long = (seq: number) => seq >= 550 && seq < 1250;
    const late = verdict(outageAtMost(500), { lost: long, kernel: lateLog });
    expect(isInconclusive(late)).toBe(true);
    expect(late.disturbed).toMatch(/timers ran up to 300 ms late/);
    expect(isFailed(verdict(outageAtMost(200), { lost: long, kernel: lateLog }))).toBe(true);
  });

  it("fails an outage bound on the kernel's own log when the probe stalled through the failover but the log, late timers allowed for, exceeds the bound", () => {
    // As seen in a loaded run: the sender stalled through most of the loss; the driver took 700 ms for a 400 ms downdelay.
    const lateLog: [number, string, string][] = [
      downdelayLog[0]!,
      [760, 'link-down', downdelayLog[1]![2]],
      [760, 'new-active-slave', downdelayLog[2]![2]],
    ];
    const check = verdict(outageAtMost(200), {
      lost: (seq) => seq >= 550 && seq < 700,
      stalls: [[FAULT_ISSUED + 150_000, FAULT_ISSUED + 1_200_000]],
      kernel: lateLog,
    });
    expect(isFailed(check)).toBe(true);
    expect(check.actual).toMatch(
      /no new active slave until 760 ms after the link was surely down, 460 ms even allowing its timers 300 ms of lateness/,
    );
  });

  it("times the kernel's failover from its own first reaction when the fault's command returned after it", () => {
    // The driver saw the carrier go 90 ms before the carrier-off command returned: its 400 ms count from there.
    const early: [number, string, string][] = [
      [-90, 'pending-down', downdelayLog[0]![2]],
      [310, 'link-down', downdelayLog[1]![2]],
      [310, 'new-active-slave', downdelayLog[2]![2]],
    ];
    const check = verdict(outageAtMost(200), {
      lost: (seq) => seq >= 550 && seq < 700,
      stalls: [[FAULT_ISSUED + 150_000, FAULT_ISSUED + 1_200_000]],
      kernel: early,
    });
    expect(isFailed(check)).toBe(true);
    expect(check.actual).toMatch(
      /no new active slave until 400 ms after the link was surely down, 400 ms even allowing its timers 0 ms of lateness/,
    );
  });

  it('does not time a failover whose delivery had already stopped before the fault', () => {
    const check = verdict(outageAtMost(200), { lost: (seq) => seq >= 100 && seq < 900 });
    expect(isInconclusive(check)).toBe(true);
    expect(check.disturbed).toMatch(/delivery had stopped 400 ms before the fault was issued/);
  });

  it('does not fail a minimum outage when the sender stalled right after the first packet delivered again', () => {
    // 300 ms of loss by the stamps, then the sender did not run for 150 ms after stamping the next packet:
    // that packet may have left at the end of the stall, so the outage was 300 to 450 ms.
    const lost = (seq: number) => seq >= 550 && seq < 850;
    const stalls: [number, number][] = [[T0 + 851_000, T0 + 1_000_000]];
    const check = verdict(outageAtLeast(400), { lost, stalls });
    expect(isInconclusive(check)).toBe(true);
    expect(check.disturbed).toMatch(
      /did not run right after the first packet delivered again: the outage was between 301 and 45\d ms/,
    );
    // The same stall cannot stretch 300 ms to 500.
    expect(isFailed(verdict(outageAtLeast(500), { lost, stalls }))).toBe(true);
    expect(isFailed(verdict(outageAtLeast(400), { lost }))).toBe(true);
  });

  it("does not fail a minimum outage that the kernel's own log holds when the probe saw delivery sooner", () => {
    // As seen on the emulated lab at load 15-19: delivery again 387 ms after the pull by the probe's stamps,
    // the driver's new active slave 535 ms after it saw the link go (downdelay 400 ms).
    const lost = (seq: number) => seq >= 550 && seq < 850;
    const check = verdict(outageAtLeast(400), { lost, kernel: downdelayLog });
    expect(isInconclusive(check)).toBe(true);
    expect(check.disturbed).toMatch(
      /no new active slave until 460 ms after the link was surely down, yet the probe saw delivery again after 301 ms/,
    );
    // A log that shows the bond switching too soon keeps the claim failed.
    const early: [number, string, string][] = [
      downdelayLog[0]!,
      [200, 'link-down', downdelayLog[1]![2]],
      [200, 'new-active-slave', downdelayLog[2]![2]],
    ];
    expect(isFailed(verdict(outageAtLeast(400), { lost, kernel: early }))).toBe(true);
  });

  it('keeps a false claim failed on a loaded machine when the disturbance cannot explain it', () => {
    // Short stalls away from the failover do not excuse a 400 ms outage against a 200 ms bound.
    const stalls: [number, number][] = [[T0 + 1_500_000, T0 + 1_560_000]];
    expect(isFailed(verdict(outageAtMost(200), { lost: downdelayLoss, stalls, kernel: downdelayLog }))).toBe(true);
    expect(isFailed(verdict(lossAtMost(0), { lost: downdelayLoss, stalls, kernel: downdelayLog }))).toBe(true);
  });
});
