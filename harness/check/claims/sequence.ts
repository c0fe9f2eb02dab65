/** sequence: a subject's states in this order, one right after the other, each for as long as claimed, judged over the recorded timeline. */
import { parseDuration } from '../../scenario/duration.js';
import { duration } from '../../scenario/fragments.js';
import type { TimedState, TimelineOrigin, TimelineSubject } from '../../scenario/plan.js';
import type { CheckResult } from '../check-result.js';
import {
  durationVerdict,
  fmtRun,
  fmtWanted,
  stateRuns,
  subjectLabel,
  wanted,
  type RecordedTimeline,
  type Verdict,
} from '../timeline-claims.js';
import {
  activeState,
  bondMiiState,
  miiStates,
  SINCE,
  timelineClaim,
  timelineOrigin,
  timelineState,
  timelineSubject,
} from './timeline.js';

export interface SequenceClaim {
  kind: 'sequence';
  subject: TimelineSubject;
  states: TimedState[];
  since?: TimelineOrigin;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    sequence: SequenceClaim;
  }
}

/** One state of a sequence: the state, or { state: { atLeast, atMost } } for how long it lasts. */
const timedStates = (state: object) => ({
  type: 'array',
  minItems: 1,
  maxItems: 32,
  items: {
    oneOf: [
      state,
      {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        propertyNames: state,
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { atLeast: duration, atMost: duration },
        },
      },
    ],
  },
});

function timedState(value: unknown): TimedState {
  if (typeof value !== 'object' || value === null) return { state: timelineState(value) };
  const [state, bounds] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  const { atLeast, atMost } = bounds as { atLeast?: string | number; atMost?: string | number };
  return {
    state: timelineState(state),
    atLeastMs: atLeast === undefined ? undefined : parseDuration(atLeast),
    atMostMs: atMost === undefined ? undefined : parseDuration(atMost),
  };
}

export function sequenceCheck(claim: SequenceClaim, recorded: RecordedTimeline): CheckResult {
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

export const sequence = timelineClaim<SequenceClaim>(
  {
    keys: {
      sequence: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        description:
          'states in this order, each right after the other, judged over the recorded timeline: slave0: [down, { going back: { atLeast: 500ms } }, up]',
        properties: { activeSlave: timedStates(activeState), bondMii: timedStates(bondMiiState) },
        patternProperties: { '^slave\\d+$': timedStates({ enum: miiStates }) },
      },
    },
    options: SINCE,
    translate: (given, expect) =>
      Object.entries(given.sequence as Record<string, unknown[]>).map(([subject, states]) => ({
        kind: 'sequence',
        subject: timelineSubject(subject),
        states: states.map(timedState),
        since: timelineOrigin(expect.since),
      })),
  },
  sequenceCheck,
  (claim) => claim.states.map((s) => s.state),
);
