/**
 * Claims on what happened, not on when the harness looked: state sequences with durations and
 * "never" claims, judged over the timeline recorded inside the target (the sampler's states and
 * the kernel log's own timestamps, one clock). Pure: the runner supplies the recorded timeline.
 *
 * A sample shows a state at its own time; the change it shows happened somewhere after the sample
 * before it. A kernel-log line pins the change exactly. Each state's duration is therefore a
 * range, exact where the kernel logged both ends, and as wide as the sampler's gaps elsewhere; a
 * duration claim the range cannot decide is `disturbed`, never passed.
 */
import { MII_AFTER_EVENT } from '../bond/vocabulary.js';
import type { Claim, TimedState, TimelineOrigin, TimelineState, TimelineSubject } from '../scenario/plan.js';
import type { KernelEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';
import type { CheckResult } from './assertions.js';

/** The case's timeline so far, as a timeline claim needs it. */
export interface RecordedTimeline {
  /** Samples (only those that differ from the one before), kernel-log events, faults, steps. */
  events: TimelineEvent[];
  /** The time of every sample taken, also those that showed no change: where the sampler looked. */
  sampleTimesNs: bigint[];
  /** The target's clock now: the end of what was recorded. */
  nowNs: bigint;
  /** The bond under test (the far side's bond logs too). */
  bond: string;
  slaveName: (index: number) => string;
  /** Where a window begins, or why it cannot. */
  origin(since: TimelineOrigin | undefined): { ns: bigint; label: string } | { error: string };
}

/** A sampler gap this long inside a "never" window could hide a whole state. */
export const NEVER_GAP_MS = 1000;
/** A kernel line stamped up to this long after the sample that showed its change still explains it (seen: 33 ms, 802.3ad on a loaded TCG guest). */
const KERNEL_SLACK_NS = 50_000_000n;

interface Transition {
  state: string;
  /** The change happened in [loNs, hiNs]; equal when the kernel log pinned it. */
  loNs: bigint;
  hiNs: bigint;
  by: 'kernel' | 'sample' | 'origin';
}

/** A state and how long it lasted: [minMs, maxMs], maxMs undefined while it lasts. */
export interface StateRun {
  state: string;
  fromNs: bigint;
  minMs: number;
  maxMs?: number;
  ongoing: boolean;
  /** Why the bounds are wide, when they are. */
  gaps: string[];
}

const msOf = (ns: bigint) => Number(ns) / 1e6;

function subjectState(subject: TimelineSubject, sample: SampleEvent, slaveName: (index: number) => string): string {
  switch (subject.kind) {
    case 'slave-mii':
      return sample.slaves.find((s) => s.name === slaveName(subject.slave.index))?.mii ?? 'not a slave';
    case 'active-slave':
      return sample.activeSlave ?? 'none';
    case 'bond-mii':
      return sample.bondMii;
  }
}

function kernelState(
  subject: TimelineSubject,
  event: KernelEvent,
  bond: string,
  slaveName: (index: number) => string,
): string | undefined {
  if (event.bond !== bond) return undefined;
  switch (subject.kind) {
    case 'slave-mii': {
      if (event.slave !== slaveName(subject.slave.index)) return undefined;
      return (MII_AFTER_EVENT as Record<string, string | undefined>)[event.event];
    }
    case 'active-slave':
      return event.event === 'new-active-slave' ? event.slave : event.event === 'no-active' ? 'none' : undefined;
    case 'bond-mii':
      return undefined;
  }
}

/** The expected state in the samples' terms: slaveN is an interface name there. */
function wanted(state: TimelineState, slaveName: (index: number) => string): string {
  const slave = /^slave(\d+)$/.exec(state);
  return slave ? slaveName(Number(slave[1])) : state;
}

/** The subject's states from `originNs` to now, each with its duration's bounds. */
export function stateRuns(subject: TimelineSubject, recorded: RecordedTimeline, originNs: bigint): StateRun[] {
  const { slaveName, bond, nowNs } = recorded;
  const samples = recorded.events
    .filter((e): e is SampleEvent => e.kind === 'sample')
    .sort((a, b) => (a.atNs < b.atNs ? -1 : a.atNs > b.atNs ? 1 : 0));
  const times = [...recorded.sampleTimesNs, ...samples.map((s) => s.atNs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const previousSample = (t: bigint) => times.filter((x) => x < t).at(-1);
  const kernel = recorded.events
    .filter((e): e is KernelEvent => e.kind === 'kernel' && e.atNs >= originNs && e.atNs <= nowNs)
    .flatMap((e) => {
      const state = kernelState(subject, e, bond, slaveName);
      return state === undefined ? [] : [{ state, loNs: e.atNs, hiNs: e.atNs, by: 'kernel' as const }];
    });
  const atOrigin = samples.filter((s) => s.atNs <= originNs).at(-1);
  const transitions: Transition[] = [];
  if (atOrigin)
    transitions.push({
      state: subjectState(subject, atOrigin, slaveName),
      loNs: originNs,
      hiNs: originNs,
      by: 'origin',
    });
  let current = atOrigin ? subjectState(subject, atOrigin, slaveName) : undefined;
  for (const sample of samples.filter((s) => s.atNs > originNs && s.atNs <= nowNs)) {
    const state = subjectState(subject, sample, slaveName);
    if (state === current) continue;
    const before = previousSample(sample.atNs);
    const loNs = before === undefined || before < originNs ? originNs : before;
    // The read that showed the change ended at readNs; the change may fall anywhere before that
    // (a read under emulation was seen to take 40 ms, longer than the gap to the kernel's line).
    const hiNs = sample.readNs ?? sample.atNs;
    current = state;
    // A kernel line for this very change pins it; the sample only confirms it. A line stamped after
    // the read that already showed the change (the guest's CPU was taken away before it printed)
    // pins it no later than that read.
    const line = kernel.find((k) => k.state === state && k.loNs >= loNs && k.loNs <= hiNs + KERNEL_SLACK_NS);
    if (line) {
      if (line.hiNs > hiNs) line.loNs = line.hiNs = hiNs;
      continue;
    }
    transitions.push({ state, loNs, hiNs, by: 'sample' });
  }
  transitions.push(...kernel);
  transitions.sort((a, b) => (a.hiNs < b.hiNs ? -1 : a.hiNs > b.hiNs ? 1 : a.by === 'origin' ? -1 : 1));
  // Consecutive equal states are one state: the first change into it counts.
  const changes = transitions.filter((t, i) => i === 0 || t.state !== transitions.slice(0, i).at(-1)?.state);
  return changes.map((t, i) => {
    const next = changes[i + 1];
    const gaps = [t, next]
      .filter((x): x is Transition => x?.by === 'sample' && x.hiNs > x.loNs)
      .map(
        (x) =>
          `the sampler saw ${x.state} only at +${msOf(x.hiNs - originNs).toFixed(0)} ms, ${msOf(x.hiNs - x.loNs).toFixed(0)} ms after the sample before, and the kernel log has no line for it`,
      );
    return {
      state: t.state,
      fromNs: t.hiNs,
      minMs: msOf((next ? next.loNs : nowNs) - t.hiNs),
      maxMs: next ? msOf(next.hiNs - t.loNs) : undefined,
      ongoing: !next,
      gaps,
    };
  });
}

type Verdict = 'yes' | 'no' | 'unknown' | 'pending';

/** Whether a run's duration meets a claimed state's bounds, given what is known of it. */
function durationVerdict(run: StateRun, want: TimedState): Verdict {
  const verdicts: Verdict[] = [];
  if (want.atLeastMs !== undefined) {
    if (run.minMs >= want.atLeastMs) verdicts.push('yes');
    else if (run.ongoing) verdicts.push('pending');
    else verdicts.push(run.maxMs !== undefined && run.maxMs < want.atLeastMs ? 'no' : 'unknown');
  }
  if (want.atMostMs !== undefined) {
    if (run.minMs > want.atMostMs) verdicts.push('no');
    else if (run.ongoing) verdicts.push('pending');
    else verdicts.push(run.maxMs !== undefined && run.maxMs <= want.atMostMs ? 'yes' : 'unknown');
  }
  for (const v of ['no', 'pending', 'unknown'] as const) if (verdicts.includes(v)) return v;
  return 'yes';
}

function fmtRun(run: StateRun): string {
  const d = run.ongoing
    ? `${run.minMs.toFixed(0)}+ ms so far`
    : run.maxMs !== undefined && run.maxMs - run.minMs < 1
      ? `${run.minMs.toFixed(0)} ms`
      : `${run.minMs.toFixed(0)}-${run.maxMs?.toFixed(0) ?? '?'} ms`;
  return `${run.state} ${d}`;
}

function fmtWanted(want: TimedState): string {
  const bounds = [
    want.atLeastMs !== undefined ? `at least ${want.atLeastMs} ms` : '',
    want.atMostMs !== undefined ? `at most ${want.atMostMs} ms` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return bounds ? `${want.state} for ${bounds}` : want.state;
}

function subjectLabel(subject: TimelineSubject, slaveName: (index: number) => string): string {
  switch (subject.kind) {
    case 'slave-mii':
      return `slave${subject.slave.index} (${slaveName(subject.slave.index)}) MII`;
    case 'active-slave':
      return 'active slave';
    case 'bond-mii':
      return 'bond MII';
  }
}

function sequenceCheck(claim: Extract<TimelineClaim, { kind: 'sequence' }>, recorded: RecordedTimeline): CheckResult {
  const label = subjectLabel(claim.subject, recorded.slaveName);
  const expected = claim.states.map(fmtWanted).join(', then ');
  const origin = recorded.origin(claim.since);
  const name = `${label}: ${expected}`;
  if ('error' in origin) return { name, passed: false, expected, actual: origin.error };
  const runs = stateRuns(claim.subject, recorded, origin.ns);
  const observed = runs.length ? runs.map(fmtRun).join(', then ') : 'no samples';
  const actual = `since ${origin.label}: ${observed}`;
  const matches = runs.map((_, start) => {
    const verdicts = claim.states.map((want, j): Verdict => {
      const run = runs[start + j];
      if (!run) return 'pending';
      return run.state === wanted(want.state, recorded.slaveName) ? durationVerdict(run, want) : 'no';
    });
    const verdict: Verdict = verdicts.includes('no')
      ? 'no'
      : verdicts.includes('pending')
        ? 'pending'
        : verdicts.includes('unknown')
          ? 'unknown'
          : 'yes';
    const gaps = claim.states.flatMap((want, j) => (verdicts[j] === 'unknown' ? (runs[start + j]?.gaps ?? []) : []));
    return { verdict, gaps };
  });
  const pick = (['yes', 'unknown', 'pending'] as const).map((v) => matches.find((m) => m.verdict === v)).find(Boolean);
  if (pick?.verdict === 'yes') return { name, passed: true, expected, actual };
  if (pick?.verdict === 'unknown') {
    const disturbed = `the samples cannot tell whether the durations hold: ${[...new Set(pick.gaps)].join('; ')}`;
    return { name, passed: false, expected, actual: `${actual} (${disturbed})`, disturbed };
  }
  return {
    name,
    passed: false,
    expected,
    actual: pick?.verdict === 'pending' ? `${actual} (not complete when the time was up)` : actual,
  };
}

function neverCheck(claim: Extract<TimelineClaim, { kind: 'never' }>, recorded: RecordedTimeline): CheckResult {
  const label = subjectLabel(claim.subject, recorded.slaveName);
  const forbidden = wanted(claim.state, recorded.slaveName);
  const origin = recorded.origin(claim.since);
  const span = claim.duringMs === undefined ? '' : ` for ${claim.duringMs} ms`;
  const name = `${label} never ${claim.state}`;
  const expected = `never ${claim.state}${span}`;
  if ('error' in origin) return { name, passed: false, expected, actual: origin.error };
  const endNs = claim.duringMs === undefined ? recorded.nowNs : origin.ns + BigInt(Math.round(claim.duringMs * 1e6));
  const window = `since ${origin.label}${span}`;
  if (recorded.nowNs < endNs)
    return {
      name,
      passed: false,
      expected,
      actual: `${window}: the window was not over yet (${msOf(endNs - recorded.nowNs).toFixed(0)} ms left)`,
    };
  const runs = stateRuns(claim.subject, { ...recorded, nowNs: endNs }, origin.ns);
  const observed = runs.map(fmtRun).join(', then ') || 'no samples';
  const hit = runs.find((r) => r.state === forbidden);
  if (hit)
    return {
      name,
      passed: false,
      expected,
      actual: `${window}: ${forbidden} at +${msOf(hit.fromNs - origin.ns).toFixed(0)} ms (${observed})`,
    };
  const inside = [...recorded.sampleTimesNs, endNs]
    .filter((t) => t >= origin.ns && t <= endNs)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const widest = inside.reduce(
    (max, t, i) => Math.max(max, i === 0 ? msOf(t - origin.ns) : msOf(t - (inside[i - 1] ?? t))),
    0,
  );
  if (widest > NEVER_GAP_MS) {
    const disturbed = `the sampler did not look for ${widest.toFixed(0)} ms inside the window (more than ${NEVER_GAP_MS} ms): a state can hide there`;
    return { name, passed: false, expected, actual: `${window}: ${observed} (${disturbed})`, disturbed };
  }
  return { name, passed: true, expected, actual: `${window}: ${observed}` };
}

export type TimelineClaim = Extract<Claim, { kind: 'sequence' | 'never' }>;

export function evaluateTimelineClaim(claim: TimelineClaim, recorded: RecordedTimeline | undefined): CheckResult {
  if (!recorded)
    return {
      name: claim.kind,
      passed: false,
      expected: 'a recorded timeline',
      actual: 'no timeline was recorded (the topology does not exist yet)',
    };
  return claim.kind === 'sequence' ? sequenceCheck(claim, recorded) : neverCheck(claim, recorded);
}
