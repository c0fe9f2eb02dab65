/**
 * The recorded timeline as timeline claims read it: a subject's states (an MII status, the active
 * slave) one after the other, each with its duration's bounds, from the sampler's states and the
 * kernel log's own timestamps on one clock. The sequence and never claim kinds (claims/) judge
 * over these.
 *
 * A sample shows a state at its own time; the change it shows happened somewhere after the sample
 * before it. A kernel-log line pins the change exactly. Each state's duration is therefore a
 * range, exact where the kernel logged both ends, and as wide as the sampler's gaps elsewhere; a
 * duration claim the range cannot decide is `disturbed`, never passed.
 */
import { MII_AFTER_EVENT } from '../bond/vocabulary.js';
import type { TimedState, TimelineOrigin, TimelineState, TimelineSubject } from '../scenario/plan.js';
import type { KernelEvent, SampleEvent, TimelineEvent } from '../timeline/events.js';

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

export const msOf = (ns: bigint) => Number(ns) / 1e6;

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
export function wanted(state: TimelineState, slaveName: (index: number) => string): string {
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

export type Verdict = 'yes' | 'no' | 'unknown' | 'pending';

/** Whether a run's duration meets a claimed state's bounds, given what is known of it. */
export function durationVerdict(run: StateRun, want: TimedState): Verdict {
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

export function fmtRun(run: StateRun): string {
  const d = run.ongoing
    ? `${run.minMs.toFixed(0)}+ ms so far`
    : run.maxMs !== undefined && run.maxMs - run.minMs < 1
      ? `${run.minMs.toFixed(0)} ms`
      : `${run.minMs.toFixed(0)}-${run.maxMs?.toFixed(0) ?? '?'} ms`;
  return `${run.state} ${d}`;
}

export function fmtWanted(want: TimedState): string {
  const bounds = [
    want.atLeastMs !== undefined ? `at least ${want.atLeastMs} ms` : '',
    want.atMostMs !== undefined ? `at most ${want.atMostMs} ms` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return bounds ? `${want.state} for ${bounds}` : want.state;
}

export function subjectLabel(subject: TimelineSubject, slaveName: (index: number) => string): string {
  switch (subject.kind) {
    case 'slave-mii':
      return `slave${subject.slave.index} (${slaveName(subject.slave.index)}) MII`;
    case 'active-slave':
      return 'active slave';
    case 'bond-mii':
      return 'bond MII';
  }
}
