/**
 * The claims of an expect step (and of wait: { until }): their schema, and their translation from
 * a schema-valid YAML mapping into the plan's claims.
 */
import { BOND_MII_STATES, LOG_EVENT_KINDS, modeByNameOrNumber, SLAVE_MII_STATES } from '../bond/vocabulary.js';
import { parseDuration } from '../scenario/duration.js';
import {
  duration,
  ipv4OrToken,
  lacpFlags,
  matrixRef,
  MAX_SLAVES,
  mode,
  slaveRef,
  slaveRefOf,
  uint,
} from '../scenario/fragments.js';
import type {
  Claim,
  LacpFlag,
  LogEventKind,
  ModeName,
  TimedState,
  TimelineOrigin,
  TimelineState,
  TimelineSubject,
} from '../scenario/plan.js';

type Json = Record<string, unknown>;

const events = [...LOG_EVENT_KINDS];
const slaveMap = (value: object) => ({ type: 'object', propertyNames: slaveRef, additionalProperties: value });

/** The driver's MII states, and each with a hyphen (going-back) as YAML keys are often written. */
const miiStates = [
  ...SLAVE_MII_STATES,
  ...SLAVE_MII_STATES.filter((s) => s.includes(' ')).map((s) => s.replace(' ', '-')),
];
const bondMii = { enum: [...BOND_MII_STATES] };
const indexedSlave = { type: 'string', pattern: '^slave\\d+$', description: 'slave0, slave1, ...' };
const activeState = { type: 'string', pattern: '^(slave\\d+|none)$', description: 'slave0, slave1, ... or none' };
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

export const EXPECT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  dependencies: { during: ['never'] },
  properties: {
    sequence: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description:
        'states in this order, each right after the other, judged over the recorded timeline: slave0: [down, { going back: { atLeast: 500ms } }, up]',
      properties: { activeSlave: timedStates(activeState), bondMii: timedStates(bondMii) },
      patternProperties: { '^slave\\d+$': timedStates({ enum: miiStates }) },
    },
    never: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description:
        'states that must not occur in the window (since ..., during ...), judged over the recorded timeline',
      properties: {
        activeSlave: activeState,
        bondMii,
        slaveMii: { type: 'object', propertyNames: indexedSlave, additionalProperties: { enum: miiStates } },
      },
    },
    since: {
      description:
        'where the window of sequence and never begins: fault (the latest fault, when its command was issued; the default after a fault), start (of the case), now (this step), or step N (the start of step N, from 0)',
      oneOf: [{ enum: ['fault', 'start', 'now'] }, { type: 'string', pattern: '^step \\d+$' }],
    },
    during: { ...duration, description: 'how long the never window lasts (the step waits for its end)' },
    mode: { oneOf: [...mode.oneOf, matrixRef] },
    activeSlave: {
      oneOf: [
        slaveRef,
        { const: 'none' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['not'],
          properties: { not: { oneOf: [slaveRef, { const: 'none' }] } },
        },
      ],
    },
    activeSlaveChanged: { type: 'boolean', description: 'compared with the active slave just before the latest fault' },
    bondMii,
    slaves: { type: 'integer', minimum: 0, maximum: MAX_SLAVES, description: 'the number of slaves' },
    slaveMii: slaveMap({ enum: [...SLAVE_MII_STATES] }),
    linkFailures: slaveMap({
      oneOf: [
        uint,
        { type: 'object', additionalProperties: false, required: ['increasedBy'], properties: { increasedBy: uint } },
      ],
    }),
    sameAggregator: { type: 'array', items: slaveRef, minItems: 2 },
    lacpState: slaveMap(lacpFlags),
    partnerLacpState: slaveMap(lacpFlags),
    arpTargets: { type: 'array', items: ipv4OrToken },
    lacpPartner: { const: 'far-side', description: "the active aggregator's partner MAC is the far side's LACP bond" },
    log: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['event'],
        properties: { event: { enum: events }, slave: slaveRef, within: duration, absent: { type: 'boolean' } },
      },
    },
    throughput: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'claims on the latest throughput step',
      properties: {
        minFactor: {
          type: 'number',
          minimum: 0,
          maximum: MAX_SLAVES,
          description: 'total throughput at least this many times one plain link',
        },
        minMbps: { type: 'number', minimum: 0, maximum: 1_000_000 },
      },
    },
    traffic: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'claims on the latest traffic window (after traffic: stop)',
      properties: {
        maxOutage: duration,
        minOutage: { ...duration, description: 'the outage lasts at least this long (a delay that must be honoured)' },
        maxLoss: {
          type: 'string',
          pattern: '^(100(\\.0+)?|\\d{1,2}(\\.\\d+)?)%$',
          description: 'a percentage from 0% to 100%, such as 1%',
        },
        duplicates: { enum: ['expected', 'forbidden'] },
        reordering: { enum: ['expected', 'forbidden'] },
        balance: {
          type: 'object',
          additionalProperties: false,
          properties: {
            direction: { enum: ['tx', 'rx'], description: 'the bond transmitting (tx, default) or receiving (rx)' },
            minSlaves: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_SLAVES,
              description: 'at least this many slaves carry a tenth of their fair share or more',
            },
            maxShare: { type: 'number', minimum: 0, maximum: 1, description: 'no slave carries more than this share' },
            single: { type: 'boolean', description: 'exactly one slave carries the traffic' },
            onActive: { type: 'boolean', description: 'the active slave carries the traffic' },
          },
        },
      },
    },
    within: duration,
  },
};

/** The schema has checked it: a mode's name or number. */
function modeName(value: unknown): ModeName {
  return modeByNameOrNumber(value as string | number) as ModeName;
}

/** `going-back` reads as well as `going back`; the driver prints the latter. */
function timelineState(value: unknown): TimelineState {
  return String(value).replace('-', ' ') as TimelineState;
}

function timelineSubject(key: string): TimelineSubject {
  if (key === 'activeSlave') return { kind: 'active-slave' };
  if (key === 'bondMii') return { kind: 'bond-mii' };
  return { kind: 'slave-mii', slave: { index: Number(key.slice('slave'.length)) } };
}

function timedState(value: unknown): TimedState {
  if (typeof value !== 'object' || value === null) return { state: timelineState(value) };
  const [state, bounds] = Object.entries(value as Json)[0] ?? [];
  const { atLeast, atMost } = bounds as { atLeast?: string | number; atMost?: string | number };
  return {
    state: timelineState(state),
    atLeastMs: atLeast === undefined ? undefined : parseDuration(atLeast),
    atMostMs: atMost === undefined ? undefined : parseDuration(atMost),
  };
}

function timelineOrigin(value: unknown): TimelineOrigin | undefined {
  if (value === undefined) return undefined;
  const step = /^step (\d+)$/.exec(`${value as string}`);
  return step ? { kind: 'step', index: Number(step[1]) } : { kind: value as 'fault' | 'start' | 'now' };
}

export function expectClaims(spec: Json): { claims: Claim[]; withinMs: number } {
  const claims: Claim[] = [];
  const refs = (map: unknown) => Object.entries((map ?? {}) as Json);
  for (const [key, value] of Object.entries(spec)) {
    switch (key) {
      case 'mode':
        claims.push({ kind: 'mode', expected: modeName(value) });
        break;
      case 'activeSlave': {
        const ref = (v: unknown) => (v === 'none' ? null : slaveRefOf(String(v)));
        claims.push({
          kind: 'active-slave',
          expected:
            typeof value === 'object' && value !== null ? { isNot: ref((value as Json).not) } : { is: ref(value) },
        });
        break;
      }
      case 'activeSlaveChanged':
        claims.push({ kind: 'active-slave-changed', expected: Boolean(value) });
        break;
      case 'bondMii':
        claims.push({ kind: 'bond-mii', expected: value as 'up' | 'down' });
        break;
      case 'slaves':
        claims.push({ kind: 'slave-count', expected: Number(value) });
        break;
      case 'slaveMii':
        for (const [slave, mii] of refs(value))
          claims.push({ kind: 'slave-mii', slave: slaveRefOf(slave), expected: mii as 'up' | 'down' });
        break;
      case 'linkFailures':
        for (const [slave, count] of refs(value)) {
          claims.push(
            typeof count === 'number'
              ? { kind: 'link-failures', slave: slaveRefOf(slave), exactly: count }
              : { kind: 'link-failures', slave: slaveRefOf(slave), increasedBy: Number((count as Json).increasedBy) },
          );
        }
        break;
      case 'sameAggregator':
        claims.push({ kind: 'same-aggregator', slaves: (value as string[]).map(slaveRefOf) });
        break;
      case 'lacpState':
      case 'partnerLacpState':
        for (const [slave, flags] of refs(value)) {
          claims.push({
            kind: 'lacp-state',
            slave: slaveRefOf(slave),
            flags: flags as LacpFlag[],
            side: key === 'lacpState' ? 'actor' : 'partner',
          });
        }
        break;
      case 'arpTargets':
        claims.push({ kind: 'arp-targets', expected: value as string[] });
        break;
      case 'lacpPartner':
        claims.push({ kind: 'lacp-partner', expected: 'far-side' });
        break;
      case 'throughput': {
        const given = value as Json;
        claims.push({
          kind: 'throughput',
          minFactor: given.minFactor as number | undefined,
          minMbps: given.minMbps as number | undefined,
        });
        break;
      }
      case 'traffic': {
        const given = value as Json;
        if (given.maxOutage !== undefined || given.minOutage !== undefined) {
          claims.push({
            kind: 'traffic-outage',
            maxMs: given.maxOutage === undefined ? undefined : parseDuration(given.maxOutage as string | number),
            minMs: given.minOutage === undefined ? undefined : parseDuration(given.minOutage as string | number),
          });
        }
        if (given.maxLoss !== undefined)
          claims.push({
            kind: 'traffic-loss',
            maxRatio: Number(`${given.maxLoss as string | number}`.replace('%', '')) / 100,
          });
        if (given.duplicates !== undefined)
          claims.push({ kind: 'traffic-duplicates', expected: given.duplicates === 'expected' });
        if (given.reordering !== undefined)
          claims.push({ kind: 'traffic-reordering', expected: given.reordering === 'expected' });
        if (given.balance !== undefined) {
          const b = given.balance as Json;
          claims.push({
            kind: 'traffic-balance',
            direction: (b.direction as 'tx' | 'rx' | undefined) ?? 'tx',
            minSlaves: b.minSlaves as number | undefined,
            maxShare: b.maxShare as number | undefined,
            single: b.single as boolean | undefined,
            onActive: b.onActive as boolean | undefined,
          });
        }
        break;
      }
      case 'sequence':
        for (const [subject, states] of Object.entries(value as Json)) {
          claims.push({
            kind: 'sequence',
            subject: timelineSubject(subject),
            states: (states as unknown[]).map(timedState),
            since: timelineOrigin(spec.since),
          });
        }
        break;
      case 'never':
        for (const [subject, state] of Object.entries(value as Json)) {
          const during = spec.during === undefined ? undefined : parseDuration(spec.during as string | number);
          const entries = subject === 'slaveMii' ? Object.entries(state as Json) : [[subject, state] as const];
          for (const [key, forbidden] of entries) {
            claims.push({
              kind: 'never',
              subject: timelineSubject(key),
              state: timelineState(forbidden),
              since: timelineOrigin(spec.since),
              duringMs: during,
            });
          }
        }
        break;
      case 'log':
        for (const entry of value as Json[]) {
          claims.push({
            kind: 'log-event',
            event: entry.event as LogEventKind,
            slave: entry.slave === undefined ? undefined : slaveRefOf(`${entry.slave as string}`),
            withinMsOfFault: entry.within === undefined ? undefined : parseDuration(entry.within as string | number),
            present: entry.absent !== true,
          });
        }
        break;
    }
  }
  return { claims, withinMs: spec.within === undefined ? 0 : parseDuration(spec.within as string | number) };
}
