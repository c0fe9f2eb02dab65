/** never: states that must not occur in a window (since ..., during ...), judged over the recorded timeline. */
import { parseDuration } from '../../scenario/duration.js';
import { duration } from '../../scenario/fragments.js';
import type { TimelineOrigin, TimelineState, TimelineSubject } from '../../scenario/plan.js';
import type { CheckResult } from '../check-result.js';
import {
  fmtRun,
  msOf,
  NEVER_GAP_MS,
  stateRuns,
  subjectLabel,
  wanted,
  type RecordedTimeline,
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

export interface NeverClaim {
  kind: 'never';
  subject: TimelineSubject;
  state: TimelineState;
  since?: TimelineOrigin;
  duringMs?: number;
}

// Adds this kind to the plan's Claim union (declaration merging: the plan names no claim module).
declare module '../../scenario/plan.js' {
  interface ClaimPlans {
    never: NeverClaim;
  }
}

const indexedSlave = { type: 'string', pattern: '^slave\\d+$', description: 'slave0, slave1, ...' };

export function neverCheck(claim: NeverClaim, recorded: RecordedTimeline): CheckResult {
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

export const never = timelineClaim<NeverClaim>(
  {
    keys: {
      never: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        description:
          'states that must not occur in the window (since ..., during ...), judged over the recorded timeline',
        properties: {
          activeSlave: activeState,
          bondMii: bondMiiState,
          slaveMii: { type: 'object', propertyNames: indexedSlave, additionalProperties: { enum: miiStates } },
        },
      },
    },
    options: {
      ...SINCE,
      during: { ...duration, description: 'how long the never window lasts (the step waits for its end)' },
    },
    dependencies: { during: ['never'] },
    translate(given, expect) {
      const during = expect.during === undefined ? undefined : parseDuration(expect.during as string | number);
      return Object.entries(given.never as Record<string, unknown>).flatMap(([subject, state]) => {
        const entries = subject === 'slaveMii' ? Object.entries(state as Record<string, unknown>) : [[subject, state]];
        return entries.map(([key, forbidden]) => ({
          kind: 'never' as const,
          subject: timelineSubject(String(key)),
          state: timelineState(forbidden),
          since: timelineOrigin(expect.since),
          duringMs: during,
        }));
      });
    },
  },
  neverCheck,
  (claim) => [claim.state],
);
