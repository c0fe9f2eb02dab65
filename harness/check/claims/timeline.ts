/** What the timeline claims (sequence, never) share: their subjects, states and window in YAML, and the recorded timeline they need. */
import { BOND_MII_STATES, SLAVE_MII_STATES } from '../../bond/vocabulary.js';
import type { TimelineOrigin, TimelineState, TimelineSubject } from '../../scenario/plan.js';
import type { CheckResult } from '../check-result.js';
import type { RecordedTimeline } from '../timeline-claims.js';
import type { ClaimDefinition, ClaimPlace, ClaimSyntax, Refusal } from './definition.js';

/** The driver's MII states, and each with a hyphen (going-back) as YAML keys are often written. */
export const miiStates = [
  ...SLAVE_MII_STATES,
  ...SLAVE_MII_STATES.filter((s) => s.includes(' ')).map((s) => s.replace(' ', '-')),
];
export const bondMiiState = { enum: [...BOND_MII_STATES] };
export const activeState = {
  type: 'string',
  pattern: '^(slave\\d+|none)$',
  description: 'slave0, slave1, ... or none',
};

/** The expect mapping's `since`, shared by the timeline claims. */
export const SINCE = {
  since: {
    description:
      'where the window of sequence and never begins: fault (the latest fault, when its command was issued; the default after a fault), start (of the case), now (this step), or step N (the start of step N, from 0)',
    oneOf: [{ enum: ['fault', 'start', 'now'] }, { type: 'string', pattern: '^step \\d+$' }],
  },
};

/** `going-back` reads as well as `going back`; the driver prints the latter. */
export function timelineState(value: unknown): TimelineState {
  return String(value).replace('-', ' ') as TimelineState;
}

export function timelineSubject(key: string): TimelineSubject {
  if (key === 'activeSlave') return { kind: 'active-slave' };
  if (key === 'bondMii') return { kind: 'bond-mii' };
  return { kind: 'slave-mii', slave: { index: Number(key.slice('slave'.length)) } };
}

export function timelineOrigin(value: unknown): TimelineOrigin | undefined {
  if (value === undefined) return undefined;
  const step = /^step (\d+)$/.exec(`${value as string}`);
  return step ? { kind: 'step', index: Number(step[1]) } : { kind: value as 'fault' | 'start' | 'now' };
}

/** What a timeline claim names: its subject, and when its window begins. */
interface TimelineClaim {
  kind: string;
  subject: TimelineSubject;
  since?: TimelineOrigin;
}

/**
 * A timeline claim's definition from its syntax, its judgement over the recorded timeline and the
 * states it names: failed while no timeline was recorded, refused where its window would begin
 * before what it names (a fault, a step) has happened, naming its subject's slave and slaveN states.
 */
export function timelineClaim<C extends TimelineClaim>(
  syntax: ClaimSyntax<C>,
  judge: (claim: C, recorded: RecordedTimeline) => CheckResult,
  states: (claim: C) => TimelineState[],
): ClaimDefinition<C> {
  return {
    syntax,
    evaluate: (claim, _state, context) =>
      context.recorded
        ? judge(claim, context.recorded)
        : {
            name: claim.kind,
            passed: false,
            expected: 'a recorded timeline',
            actual: 'no timeline was recorded (the topology does not exist yet)',
          },
    refuse: (claim, place) => refuseSince(claim.since, place),
    slaves: (claim) => [
      ...(claim.subject.kind === 'slave-mii' ? [claim.subject.slave] : []),
      ...states(claim).flatMap((state) => {
        const slave = /^slave(\d+)$/.exec(state);
        return slave ? [{ index: Number(slave[1]) }] : [];
      }),
    ],
  };
}

/** A window that begins where nothing has happened yet: at a fault before any, or at a step that is not earlier. */
function refuseSince(since: TimelineOrigin | undefined, place: ClaimPlace): Refusal[] {
  if (since?.kind === 'fault' && !place.afterFault)
    return [{ message: 'since: fault, but no fault step comes before this one', key: 'since' }];
  if (since?.kind === 'step' && since.index >= place.step)
    return [
      {
        message: `since: step ${since.index}, but that step does not come before this one (this is step ${place.step})`,
        key: 'since',
      },
    ];
  return [];
}
