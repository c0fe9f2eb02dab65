/**
 * Scenario files to validated plans. Every problem becomes an InputError pinned to the file,
 * line and column of the offending key or value, with the field path and what was expected;
 * nothing is run while any error stands.
 */
import { relative } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { parseDuration } from './duration.js';
import { LIMITS } from './limits.js';
import { countCombinations, expandMatrix, type MatrixValue } from './matrix.js';
import {
  MODES,
  type Assertion,
  type BondPlan,
  type FarSide,
  type InputError,
  type LacpFlag,
  type LogEventKind,
  type ModeName,
  type ScenarioCase,
  type SlaveRef,
  type SourceRef,
  type Step,
  type TimedState,
  type TimelineOrigin,
  type TimelineState,
  type TimelineSubject,
  type TrafficStep,
} from './plan.js';
import { collectFiles, readScenarioFile } from './read.js';
import { STEP_SCHEMAS, TOP_LEVEL_SCHEMA } from './schema.js';
import { valueErrors } from './values.js';

type Path = (string | number)[];
type Json = Record<string, unknown>;

// strictNumbers: .nan and .inf are not numbers here (by default ajv counts .inf as an integer).
const ajv = new Ajv({ allErrors: true, strict: false, strictNumbers: true, verbose: true });
const validateTop = ajv.compile(TOP_LEVEL_SCHEMA);
const validateStep: Record<string, ValidateFunction> = Object.fromEntries(Object.entries(STEP_SCHEMAS).map(([key, schema]) => [key, ajv.compile(schema)]));

export function fieldName(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** Where in the file a path points: the value's node, or with `key` the key itself. */
export class Locator {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(path: Path, key?: string): SourceRef {
    let node = this.doc.getIn(path, true) as Node | undefined;
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key)) node = pair.key;
    }
    // Fall back to the nearest ancestor that exists.
    for (let depth = path.length - 1; !node?.range && depth >= 0; depth--) node = this.doc.getIn(path.slice(0, depth), true) as Node | undefined;
    const offset = node?.range?.[0] ?? this.doc.contents?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  error(path: Path, message: string, key?: string): InputError {
    const at = this.at(path, key);
    return { ...at, field: fieldName(key === undefined ? path : [...path, key]), message };
  }
}

function pointerPath(instancePath: string): Path {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describeExpected(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'type':
      return `a value of type ${String(params.type).replace(',', ' or ')}`;
    case 'pattern': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return description ?? `text matching ${String(params.pattern)}`;
    }
    case 'minimum':
      return `a number of at least ${String(params.limit)}`;
    case 'maximum':
      return `a number of at most ${String(params.limit)}`;
    case 'minItems':
      return `at least ${String(params.limit)} item(s)`;
    case 'maxItems':
      return `at most ${String(params.limit)} item(s)`;
    case 'minProperties':
      return `at least ${String(params.limit)} key(s)`;
    case 'maxProperties':
      return `at most ${String(params.limit)} key(s)`;
    case 'minLength':
      return 'a non-empty text';
    case 'uniqueItems':
      return 'no item twice';
    case 'dependencies':
      return `key "${String(params.missingProperty)}" alongside "${String(params.property)}"`;
    default:
      return error.message ?? error.keyword;
  }
}

/** ajv's errors, folded to one clear error per place: alternatives merge, parents of deeper errors drop. */
export function foldErrors(errors: ErrorObject[], base: Path, value: unknown, locate: Locator): InputError[] {
  const out: InputError[] = [];
  const relevant = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'propertyNames'].includes(e.keyword));
  const unknownKeys = relevant.filter((e) => e.keyword === 'additionalProperties');
  const required = relevant.filter((e) => e.keyword === 'required');
  const rest = relevant.filter((e) => e.keyword !== 'additionalProperties' && e.keyword !== 'required');
  const seen = new Set<string>();
  for (const error of unknownKeys) {
    const path = [...base, ...pointerPath(error.instancePath)];
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const allowed = Object.keys(((error.parentSchema as { properties?: Json } | undefined)?.properties ?? {}));
    const id = `${fieldName(path)}.${key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(locate.error(path, `unknown key "${key}"${allowed.length ? `; expected one of: ${allowed.join(', ')}` : ''}`, key));
  }
  if (out.length) return out;
  for (const error of required) {
    const path = [...base, ...pointerPath(error.instancePath)];
    out.push(locate.error(path, `missing key "${String((error.params as { missingProperty: string }).missingProperty)}"`));
  }
  const paths = rest.map((e) => e.instancePath);
  const deepest = rest.filter((e) => !paths.some((p) => p !== e.instancePath && p.startsWith(`${e.instancePath}/`)));
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of deepest) byPath.set(error.instancePath, [...(byPath.get(error.instancePath) ?? []), error]);
  for (const [pointer, group] of byPath) {
    const path = [...base, ...pointerPath(pointer)];
    const actual = pointerPath(pointer).reduce<unknown>((v, part) => (v && typeof v === 'object' ? (v as Json)[part as string] : undefined), value);
    const expected = [...new Set(group.map(describeExpected))].join(', or ');
    out.push(locate.error(path, Number.isNaN(actual) ? `not a number (.nan); expected ${expected}` : `expected ${expected}; got ${show(actual)}`));
  }
  return out;
}

/** A value as an error message quotes it: YAML's names for what JSON cannot show, long texts cut. */
function show(value: unknown): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity || value === -Infinity) return value > 0 ? '.inf' : '-.inf';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function slaveRef(text: string): SlaveRef {
  return text === 'active' ? { active: true } : { index: Number(text.slice('slave'.length)) };
}

function modeName(value: unknown): ModeName {
  return typeof value === 'number' ? (MODES[value] as ModeName) : (value as ModeName);
}

const FAR_SIDE: Record<ModeName, FarSide> = {
  'balance-rr': 'static-lag',
  'active-backup': 'switch',
  'balance-xor': 'static-lag',
  broadcast: 'static-lag',
  '802.3ad': 'lacp',
  'balance-tlb': 'switch',
  'balance-alb': 'switch',
};

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
  return { state: timelineState(state), atLeastMs: atLeast === undefined ? undefined : parseDuration(atLeast), atMostMs: atMost === undefined ? undefined : parseDuration(atMost) };
}

function timelineOrigin(value: unknown): TimelineOrigin | undefined {
  if (value === undefined) return undefined;
  const step = /^step (\d+)$/.exec(String(value));
  return step ? { kind: 'step', index: Number(step[1]) } : { kind: value as 'fault' | 'start' | 'now' };
}

function expectAssertions(spec: Json): { assertions: Assertion[]; withinMs: number } {
  const assertions: Assertion[] = [];
  const refs = (map: unknown) => Object.entries((map ?? {}) as Json);
  for (const [key, value] of Object.entries(spec)) {
    switch (key) {
      case 'mode':
        assertions.push({ kind: 'mode', expected: modeName(value) });
        break;
      case 'activeSlave': {
        const ref = (v: unknown) => (v === 'none' ? null : slaveRef(String(v)));
        assertions.push({ kind: 'active-slave', expected: typeof value === 'object' && value !== null ? { isNot: ref((value as Json).not) } : { is: ref(value) } });
        break;
      }
      case 'activeSlaveChanged':
        assertions.push({ kind: 'active-slave-changed', expected: Boolean(value) });
        break;
      case 'bondMii':
        assertions.push({ kind: 'bond-mii', expected: value as 'up' | 'down' });
        break;
      case 'slaves':
        assertions.push({ kind: 'slave-count', expected: Number(value) });
        break;
      case 'slaveMii':
        for (const [slave, mii] of refs(value)) assertions.push({ kind: 'slave-mii', slave: slaveRef(slave), expected: mii as 'up' | 'down' });
        break;
      case 'linkFailures':
        for (const [slave, count] of refs(value)) {
          assertions.push(
            typeof count === 'number'
              ? { kind: 'link-failures', slave: slaveRef(slave), exactly: count }
              : { kind: 'link-failures', slave: slaveRef(slave), increasedBy: Number((count as Json).increasedBy) },
          );
        }
        break;
      case 'sameAggregator':
        assertions.push({ kind: 'same-aggregator', slaves: (value as string[]).map(slaveRef) });
        break;
      case 'lacpState':
      case 'partnerLacpState':
        for (const [slave, flags] of refs(value)) {
          assertions.push({ kind: 'lacp-state', slave: slaveRef(slave), flags: flags as LacpFlag[], side: key === 'lacpState' ? 'actor' : 'partner' });
        }
        break;
      case 'arpTargets':
        assertions.push({ kind: 'arp-targets', expected: value as string[] });
        break;
      case 'lacpPartner':
        assertions.push({ kind: 'lacp-partner', expected: 'far-side' });
        break;
      case 'throughput': {
        const claims = value as Json;
        assertions.push({ kind: 'throughput', minFactor: claims.minFactor as number | undefined, minMbps: claims.minMbps as number | undefined });
        break;
      }
      case 'traffic': {
        const claims = value as Json;
        if (claims.maxOutage !== undefined || claims.minOutage !== undefined) {
          assertions.push({
            kind: 'traffic-outage',
            maxMs: claims.maxOutage === undefined ? undefined : parseDuration(claims.maxOutage as string | number),
            minMs: claims.minOutage === undefined ? undefined : parseDuration(claims.minOutage as string | number),
          });
        }
        if (claims.maxLoss !== undefined) assertions.push({ kind: 'traffic-loss', maxRatio: Number(String(claims.maxLoss).replace('%', '')) / 100 });
        if (claims.duplicates !== undefined) assertions.push({ kind: 'traffic-duplicates', expected: claims.duplicates === 'expected' });
        if (claims.reordering !== undefined) assertions.push({ kind: 'traffic-reordering', expected: claims.reordering === 'expected' });
        if (claims.balance !== undefined) {
          const b = claims.balance as Json;
          assertions.push({
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
          assertions.push({ kind: 'sequence', subject: timelineSubject(subject), states: (states as unknown[]).map(timedState), since: timelineOrigin(spec.since) });
        }
        break;
      case 'never':
        for (const [subject, state] of Object.entries(value as Json)) {
          const during = spec.during === undefined ? undefined : parseDuration(spec.during as string | number);
          const entries = subject === 'slaveMii' ? Object.entries(state as Json) : [[subject, state] as const];
          for (const [key, forbidden] of entries) {
            assertions.push({ kind: 'never', subject: timelineSubject(key), state: timelineState(forbidden), since: timelineOrigin(spec.since), duringMs: during });
          }
        }
        break;
      case 'log':
        for (const entry of value as Json[]) {
          assertions.push({
            kind: 'log-event',
            event: entry.event as LogEventKind,
            slave: entry.slave === undefined ? undefined : slaveRef(String(entry.slave)),
            withinMsOfFault: entry.within === undefined ? undefined : parseDuration(entry.within as string | number),
            present: entry.absent !== true,
          });
        }
        break;
    }
  }
  return { assertions, withinMs: spec.within === undefined ? 0 : parseDuration(spec.within as string | number) };
}

function toStep(raw: unknown, at: SourceRef): Step {
  if (raw === 'build') return { kind: 'build', at };
  const [key, value] = Object.entries(raw as Json)[0] ?? [];
  const slaveOf = (v: unknown) => slaveRef(typeof v === 'string' ? v : String((v as Json).slave));
  const methodOf = (v: unknown) => (typeof v === 'object' && v !== null && (v as Json).method ? ((v as Json).method as 'ip' | 'sysfs' | 'ifenslave') : 'ip');
  switch (key) {
    case 'build':
      return { kind: 'build', at };
    case 'wait':
      if (typeof value === 'object' && value !== null) {
        const spec = value as Json;
        return { kind: 'wait-until', assertions: expectAssertions(spec.until as Json).assertions, timeoutMs: spec.timeout === undefined ? 10_000 : parseDuration(spec.timeout as string), at };
      }
      return { kind: 'wait', ms: parseDuration(value as string | number), at };
    case 'detach':
    case 'attach':
      return { kind: 'fault', fault: { kind: key, slave: slaveOf(value), method: methodOf(value) }, at };
    case 'link-down':
    case 'link-up':
    case 'carrier-off':
    case 'carrier-on':
      return { kind: 'fault', fault: { kind: key, slave: slaveOf(value) }, at };
    case 'flap': {
      const spec = value as Json;
      return { kind: 'fault', fault: { kind: 'flap', slave: slaveOf(spec), count: Number(spec.count ?? 3), intervalMs: spec.interval === undefined ? 200 : parseDuration(spec.interval as string) }, at };
    }
    case 'arp-target-loss': {
      const how = typeof value === 'string' ? value : ((value as Json | null)?.how as string | undefined);
      return { kind: 'fault', fault: { kind: 'arp-target-loss', how: how === 'drop' ? 'drop' : 'remove-address' }, at };
    }
    case 'arp-target-restore':
      return { kind: 'fault', fault: { kind: 'arp-target-restore' }, at };
    case 'traffic': {
      if (typeof value === 'string') return { kind: 'traffic', traffic: { action: value as 'start' | 'stop', settings: {} }, at };
      return { kind: 'traffic', traffic: { action: 'start', settings: ((value as Json).start ?? {}) as TrafficStep['settings'] }, at };
    }
    case 'expect': {
      const { assertions, withinMs } = expectAssertions(value as Json);
      return { kind: 'expect', assertions, withinMs, at };
    }
    case 'throughput':
      return { kind: 'throughput', settings: (value ?? {}) as Extract<Step, { kind: 'throughput' }>['settings'], at };
    case 'hook': {
      const spec = value as Json;
      const argv = typeof spec.run === 'string' ? ['sh', '-c', spec.run] : (spec.run as string[]);
      return { kind: 'hook', argv, netns: (spec.in as 'bond' | 'far' | 'none' | undefined) ?? 'bond', at };
    }
  }
  throw new Error(`unknown step ${String(key)}`);
}

/** Every slave a case's steps and options name, with where they are written. */
function slaveRefsOf(steps: { step: Step; path: Path }[], bond: BondPlan): { ref: SlaveRef; path: Path }[] {
  const found: { ref: SlaveRef; path: Path }[] = [];
  const fromAssertions = (assertions: Assertion[], path: Path) => {
    for (const a of assertions) {
      if ('slave' in a && a.slave) found.push({ ref: a.slave, path });
      if (a.kind === 'sequence' || a.kind === 'never') {
        if (a.subject.kind === 'slave-mii') found.push({ ref: a.subject.slave, path });
        for (const state of a.kind === 'sequence' ? a.states.map((s) => s.state) : [a.state]) {
          if (/^slave\d+$/.test(state)) found.push({ ref: slaveRef(state), path });
        }
      }
      if (a.kind === 'same-aggregator') for (const ref of a.slaves) found.push({ ref, path });
      if (a.kind === 'active-slave') {
        const ref = 'is' in a.expected ? a.expected.is : a.expected.isNot;
        if (ref) found.push({ ref, path });
      }
    }
  };
  for (const { step, path } of steps) {
    if (step.kind === 'fault' && 'slave' in step.fault) found.push({ ref: step.fault.slave, path });
    if (step.kind === 'expect' || step.kind === 'wait-until') fromAssertions(step.assertions, path);
  }
  if (typeof bond.options.primary === 'string') found.push({ ref: slaveRef(bond.options.primary), path: ['bond', 'primary'] });
  return found;
}

const AD_ONLY: ModeName[] = ['802.3ad'];
/** Options the driver refuses outside some modes (bond_options.c, unsuppmodes): the modes that take them. */
const OPTION_MODES: Record<string, ModeName[]> = {
  lacp_rate: AD_ONLY,
  lacp_active: AD_ONLY,
  ad_select: AD_ONLY,
  ad_actor_sys_prio: AD_ONLY,
  ad_actor_system: AD_ONLY,
  ad_user_port_key: AD_ONLY,
  coupled_control: AD_ONLY,
  primary: ['active-backup', 'balance-tlb', 'balance-alb'],
  primary_reselect: ['active-backup', 'balance-tlb', 'balance-alb'],
  packets_per_slave: ['balance-rr'],
  tlb_dynamic_lb: ['balance-tlb'],
  arp_interval: ['balance-rr', 'active-backup', 'balance-xor', 'broadcast'],
};

function semanticErrors(scenarioCase: ScenarioCase, stepPaths: Path[], locate: Locator): InputError[] {
  const errors: InputError[] = [];
  for (const [option, modes] of Object.entries(OPTION_MODES)) {
    const value = scenarioCase.bond.options[option];
    if (value === undefined || (option === 'arp_interval' && Number(value) === 0) || modes.includes(scenarioCase.bond.mode)) continue;
    const where = locate.at(['bond', option]).line > 0 ? ['bond', option] : ['matrix', option];
    errors.push(locate.error(where, `the driver refuses ${option} in mode ${scenarioCase.bond.mode}${scenarioCase.name !== scenarioCase.scenario ? ` (case ${scenarioCase.name})` : ''}; it takes it only in ${modes.join(', ')}`));
  }
  const steps = scenarioCase.steps.map((step, i) => ({ step, path: stepPaths[i] ?? ['steps', i] }));
  const builds = steps.filter(({ step }) => step.kind === 'build');
  if (builds.length > 1) errors.push(locate.error(builds[1]?.path ?? ['steps'], 'the topology is built once: only one build step'));
  const buildIndex = steps.findIndex(({ step }) => step.kind === 'build');
  for (const { step, path } of steps.slice(0, Math.max(buildIndex, 0))) {
    if (step.kind !== 'wait' && step.kind !== 'hook') {
      errors.push(locate.error(path, `a ${step.kind} step before the topology exists: move it after the build step`));
    }
  }
  const slaves = scenarioCase.topology.slaves;
  for (const { ref, path } of slaveRefsOf(steps, scenarioCase.bond)) {
    if ('index' in ref && ref.index >= slaves) {
      errors.push(locate.error(path, `slave${ref.index} does not exist: ${scenarioCase.name} has ${slaves} slave(s), slave0 to slave${slaves - 1}`));
    }
  }
  for (const { step, path } of steps) {
    if (step.kind === 'fault' && (step.fault.kind === 'arp-target-loss' || step.fault.kind === 'arp-target-restore') && !scenarioCase.topology.arpTarget) {
      errors.push(locate.error(path, `${step.fault.kind} needs an ARP target host: set bond.arp_interval, or topology.arpTarget: true`));
    }
    const claims = step.kind === 'expect' || step.kind === 'wait-until' ? step.assertions : [];
    const index = steps.findIndex((s) => s.step === step);
    for (const claim of claims) {
      if ((claim.kind !== 'sequence' && claim.kind !== 'never') || !claim.since) continue;
      if (claim.since.kind === 'fault' && !steps.slice(0, index).some(({ step: s }) => s.kind === 'fault')) errors.push(locate.error(path, 'since: fault, but no fault step comes before this one', 'since'));
      if (claim.since.kind === 'step' && claim.since.index >= index) errors.push(locate.error(path, `since: step ${claim.since.index}, but that step does not come before this one (this is step ${index})`, 'since'));
    }
    if (claims.some((a) => a.kind === 'lacp-partner') && scenarioCase.topology.farSide !== 'lacp') {
      errors.push(locate.error(path, `lacpPartner needs an LACP far side (mode 802.3ad), not ${scenarioCase.topology.farSide}`));
    }
  }
  const { mode } = scenarioCase.bond;
  const farSide = scenarioCase.topology.farSide;
  if ((farSide === 'lacp') !== (mode === '802.3ad') || (farSide === 'static-lag' && mode === '802.3ad')) {
    errors.push(locate.error(['topology', 'farSide'], `farSide ${farSide} does not fit mode ${mode}: 802.3ad needs lacp, and lacp needs 802.3ad`));
  }
  return errors;
}

/** `${key}` in a step stands for the case's matrix value of key. */
function substitute(raw: unknown, values: Record<string, MatrixValue>): unknown {
  if (typeof raw === 'string') {
    const ref = /^\$\{([a-z_]+)\}$/.exec(raw);
    return ref?.[1] !== undefined && Object.hasOwn(values, ref[1]) ? values[ref[1]] : raw;
  }
  if (Array.isArray(raw)) return raw.map((item) => substitute(item, values));
  if (raw && typeof raw === 'object') return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, substitute(v, values)]));
  return raw;
}

function buildCases(spec: Json, locate: Locator, file: string): { cases: ScenarioCase[]; errors: InputError[] } {
  const bondSpec = spec.bond as Json;
  const topologySpec = (spec.topology ?? {}) as Json;
  const matrix = spec.matrix as Record<string, MatrixValue[]> | undefined;
  const rawSteps = (spec.steps as unknown[]) ?? [];
  const stepPaths: Path[] = rawSteps.map((raw, i) => (typeof raw === 'string' ? ['steps', i] : ['steps', i, Object.keys(raw as Json)[0] ?? '']));
  // Located once, shared by every case: a matrix may make a thousand of them.
  const stepAts = stepPaths.map((path) => locate.at(path));
  const scenarioAt = locate.at([]);
  const cases: ScenarioCase[] = [];
  const errors = new Map<string, InputError>();
  for (const combination of expandMatrix(String(spec.name), matrix)) {
    const merged: Json = { ...bondSpec };
    for (const [key, value] of Object.entries(combination.values)) if (key !== 'kernel') merged[key] = value;
    const mode = modeName(merged.mode);
    const options: BondPlan['options'] = {};
    for (const [key, value] of Object.entries(merged)) {
      if (key === 'mode' || key === 'slaves') continue;
      options[key] = value as string | number | string[];
    }
    const arpInterval = Number(options.arp_interval ?? 0);
    if (arpInterval > 0 && options.arp_ip_target === undefined) options.arp_ip_target = ['arp-target'];
    const farSide = topologySpec.farSide === undefined || topologySpec.farSide === 'auto' ? FAR_SIDE[mode] : (topologySpec.farSide as FarSide);
    const arpTarget = topologySpec.arpTarget === undefined || topologySpec.arpTarget === 'auto' ? arpInterval > 0 : Boolean(topologySpec.arpTarget);
    const scenarioCase: ScenarioCase = {
      name: combination.name,
      scenario: String(spec.name),
      description: spec.description as string | undefined,
      parameters: Object.fromEntries(Object.entries(combination.values).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? String(v) : v])),
      kernel: (combination.values.kernel as string | undefined) ?? (spec.kernel as string | undefined),
      bond: { mode, options },
      topology: { slaves: Number(merged.slaves ?? 2), farSide, clients: Number(topologySpec.clients ?? 1), arpTarget, ...(topologySpec.linkRate ? { linkRate: String(topologySpec.linkRate) } : {}), ...(topologySpec.linkDelays ? { linkDelaysMs: (topologySpec.linkDelays as (string | number)[]).map(parseDuration) } : {}) },
      steps: rawSteps.map((raw, i) => toStep(substitute(raw, combination.values), stepAts[i] ?? scenarioAt)),
      file,
      at: scenarioAt,
    };
    for (const error of semanticErrors(scenarioCase, stepPaths, locate)) errors.set(`${error.line}:${error.column}:${error.message.replace(combination.name, '')}`, error);
    cases.push(scenarioCase);
  }
  return { cases, errors: [...errors.values()] };
}

function matches(name: string, filter: string | undefined): boolean {
  if (!filter) return true;
  if (!filter.includes('*')) return name.includes(filter);
  const re = new RegExp(`^${filter.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** Tags YAML's core schema resolves; any other (!!binary, !!set, !custom) is refused. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`));

/** A node's path from the visitor's ancestors, as Locator takes it. */
function nodePath(ancestors: readonly unknown[], node: unknown): Path {
  const chain = [...ancestors, node];
  const path: Path = [];
  chain.forEach((parent, i) => {
    if (isSeq(parent)) path.push(parent.items.indexOf(chain[i + 1]));
    else if (isPair(parent) && chain[i + 1] === parent.value && isScalar(parent.key)) path.push(String(parent.key.value));
  });
  return path;
}

export function tagErrors(doc: Document, locate: Locator): InputError[] {
  const errors: InputError[] = [];
  visit(doc, (_key, node, ancestors) => {
    if ((isScalar(node) || isCollection(node)) && node.tag && !PLAIN_TAGS.has(node.tag)) {
      const tag = node.tag.replace('tag:yaml.org,2002:', '!!');
      errors.push(locate.error(nodePath(ancestors, node), `YAML tag ${tag} is not accepted: a scenario holds plain texts, numbers, lists and mappings`));
    }
  });
  return errors;
}

/** The document as plain data; an alias without an anchor, or aliases that expand too far (an alias bomb), is an error at the alias. */
export function toPlain(doc: Document, locate: Locator): { value: unknown } | { error: InputError } {
  try {
    return { value: doc.toJS({ maxAliasCount: LIMITS.aliasCount }) as unknown };
  } catch (error) {
    const aliases: { path: Path; source: string; resolves: boolean }[] = [];
    visit(doc, {
      Alias(_key, node, ancestors) {
        aliases.push({ path: nodePath(ancestors, node), source: node.source, resolves: node.resolve(doc) !== undefined });
      },
    });
    const message = error instanceof Error ? error.message : String(error);
    const unresolved = aliases.find((alias) => !alias.resolves);
    if (unresolved && /unresolved alias/i.test(message)) {
      return { error: locate.error(unresolved.path, `YAML: the alias *${unresolved.source} names no anchor (&${unresolved.source}) before it`) };
    }
    if (aliases[0] && /alias count/i.test(message)) {
      return { error: locate.error(aliases[0].path, `YAML: the aliases expand to more than ${LIMITS.aliasCount} nodes; write the values out`) };
    }
    return { error: locate.error([], `YAML: ${message}`) };
  }
}

/** How many cases the document's matrix makes, when it has the shape of a matrix. */
function matrixSize(spec: Json): bigint | undefined {
  const matrix = spec.matrix ?? {};
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix) || !Object.values(matrix).every(Array.isArray)) return undefined;
  return countCombinations(matrix as Record<string, unknown[]>);
}

/** At most LIMITS.errorsPerFile errors of one file, and how many more there are. */
function capped(errors: InputError[]): InputError[] {
  const next = errors[LIMITS.errorsPerFile];
  if (!next) return errors;
  return [...errors.slice(0, LIMITS.errorsPerFile), { ...next, field: '', message: `${errors.length - LIMITS.errorsPerFile} more error(s) in this file not shown` }];
}

type Loaded = { cases: ScenarioCase[]; errors: InputError[] };

/** One document's cases, or its errors. `budget.left` is how many more cases may be made. */
function loadDocument(doc: Document, lines: LineCounter, file: string, budget: { left: number }): Loaded {
  const fail = (...errors: InputError[]): Loaded => ({ cases: [], errors });
  if (doc.errors.length) {
    // The first syntax error is the one to fix; the rest are usually its echoes.
    const [error] = doc.errors;
    if (!error) return fail();
    const { line, col } = lines.linePos(error.pos[0]);
    return fail({ file, line, column: col, field: '', message: `YAML: ${error.message.split('\n')[0] ?? error.code}` });
  }
  const locate = new Locator(file, doc, lines);
  const tags = tagErrors(doc, locate);
  if (tags.length) return fail(...tags);
  const plain = toPlain(doc, locate);
  if ('error' in plain) return fail(plain.error);
  const { value } = plain;
  if (value === null || value === undefined) return fail();
  if (typeof value !== 'object' || Array.isArray(value)) return fail(locate.error([], 'a scenario is a mapping with name, bond and steps'));
  const spec = value as Json;
  const docErrors: InputError[] = [];
  const size = matrixSize(spec);
  if (size !== undefined && size > BigInt(LIMITS.casesPerScenario)) {
    docErrors.push(locate.error(['matrix'], `the matrix makes ${size} cases; a scenario may make at most ${LIMITS.casesPerScenario}`));
  }
  if (!validateTop(spec)) docErrors.push(...foldErrors(validateTop.errors ?? [], [], spec, locate));
  const steps = Array.isArray(spec.steps) && spec.steps.length <= LIMITS.steps ? spec.steps : [];
  steps.forEach((raw: unknown, i: number) => {
    if (raw === 'build') return;
    const keys = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    const key = keys[0];
    // Own keys only: a step named constructor or __proto__ is no step.
    const validator = key !== undefined && Object.hasOwn(validateStep, key) ? validateStep[key] : undefined;
    if (keys.length !== 1 || !validator || key === undefined) {
      const what = typeof raw === 'string' ? `"${raw}"` : keys.length > 1 ? `several keys (${keys.join(', ')})` : show(raw);
      docErrors.push(locate.error(['steps', i], `unknown step ${what}; a step is build or one of: ${Object.keys(STEP_SCHEMAS).filter((k) => k !== 'build').join(', ')}`));
      return;
    }
    const body = (raw as Json)[key];
    if (!validator(body)) docErrors.push(...foldErrors(validator.errors ?? [], ['steps', i, key], body, locate));
  });
  if (!docErrors.length) docErrors.push(...valueErrors(spec, locate));
  if (docErrors.length || size === undefined) return fail(...docErrors);
  const count = Number(size);
  if (count > budget.left) {
    // Said once per load; later scenarios are still checked, not expanded.
    const said = budget.left < 0;
    budget.left = -1;
    return said ? fail() : fail(locate.error(spec.matrix ? ['matrix'] : [], `the files given make more than ${LIMITS.casesInAll} cases in all; the ${count} of this scenario are not made`));
  }
  budget.left -= count;
  const built = buildCases(spec, locate, file);
  return built.errors.length ? fail(...built.errors) : { cases: built.cases, errors: [] };
}

/** The documents of one file's text, loaded one at a time. */
function* loadDocuments(text: string, file: string, budget: { left: number }): Generator<Loaded> {
  const lines = new LineCounter();
  // The core schema whatever %YAML directive a document has: no 1.1 timestamps, binaries or merge keys.
  for (const doc of parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, schema: 'core', resolveKnownTags: false })) {
    yield loadDocument(doc, lines, file, budget);
  }
}

/**
 * Parse, validate and expand one file's text; `file` is the name errors carry. `budget.left`
 * is how many more cases may be made (files loaded together share one budget).
 */
export function loadScenarioText(text: string, file: string, budget: { left: number } = { left: LIMITS.casesInAll }): Loaded {
  const cases: ScenarioCase[] = [];
  const errors: InputError[] = [];
  for (const loaded of loadDocuments(text, file, budget)) {
    cases.push(...loaded.cases);
    errors.push(...loaded.errors);
  }
  return { cases, errors: capped(errors) };
}

export async function loadScenarioFiles(paths: string[], options: { filter?: string } = {}): Promise<{ cases: ScenarioCase[]; errors: InputError[] }> {
  const { files, errors } = await collectFiles(paths);
  const cases: ScenarioCase[] = [];
  const names = new Map<string, ScenarioCase>();
  const budget = { left: LIMITS.casesInAll };
  for (const path of files) {
    const near = relative(process.cwd(), path);
    const file = near && !near.startsWith('..') ? near : path;
    const read = await readScenarioFile(path, file);
    if ('error' in read) {
      errors.push(read.error);
      continue;
    }
    const fileErrors: InputError[] = [];
    for (const loaded of loadDocuments(read.text, file, budget)) {
      // Back to the event loop after each document, so that Ctrl-C or SIGTERM handlers can stop a long load.
      await nextTurn();
      fileErrors.push(...loaded.errors);
      for (const scenarioCase of loaded.cases) {
        const twin = names.get(scenarioCase.name);
        if (twin) {
          fileErrors.push({ ...scenarioCase.at, field: 'name', message: `case ${scenarioCase.name} is also defined at ${twin.at.file}:${twin.at.line}` });
          continue;
        }
        names.set(scenarioCase.name, scenarioCase);
        cases.push(scenarioCase);
      }
    }
    errors.push(...capped(fileErrors));
  }
  return { cases: errors.length ? cases : cases.filter((c) => matches(c.name, options.filter)), errors };
}
