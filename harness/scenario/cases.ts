/**
 * A schema-valid scenario document to its cases: the matrix expanded, each step translated by its
 * kind (harness/steps/), and the rules no schema can say (slaves that exist, driver options the
 * mode takes, steps in an order that can run) checked per case.
 */
import { farSideFits, refusedOptions } from '../bond/driver-rules.js';
import { farSideOf, modeByNameOrNumber } from '../bond/vocabulary.js';
import { claimDefinition } from '../check/claims/registry.js';
import { faultDefinition } from '../fault/registry.js';
import { STEP_SYNTAX } from '../steps/registry.js';
import { parseDuration } from './duration.js';
import { slaveRefOf } from './fragments.js';
import type { Locator, Path } from './locate.js';
import { expandMatrix, type MatrixValue } from './matrix.js';
import type {
  Claim,
  BondPlan,
  FarSide,
  InputError,
  ModeName,
  ScenarioCase,
  SlaveRef,
  SourceRef,
  Step,
} from './plan.js';

type Json = Record<string, unknown>;

function toStep(raw: unknown, at: SourceRef): Step {
  if (raw === 'build') return { kind: 'build', at };
  const [key, value] = Object.entries(raw as Json)[0] ?? [];
  const syntax = key === undefined ? undefined : STEP_SYNTAX[key];
  if (!syntax) throw new Error(`unknown step ${String(key)}`);
  return syntax.translate(value, at);
}

/** Every slave a case's steps and options name, with where they are written. */
function slaveRefsOf(steps: { step: Step; path: Path }[], bond: BondPlan): { ref: SlaveRef; path: Path }[] {
  const found: { ref: SlaveRef; path: Path }[] = [];
  const fromClaims = (claims: Claim[], path: Path) => {
    for (const claim of claims) {
      if ('slave' in claim && claim.slave) found.push({ ref: claim.slave, path });
      for (const ref of claimDefinition(claim).slaves?.(claim) ?? []) found.push({ ref, path });
    }
  };
  for (const { step, path } of steps) {
    if (step.kind === 'fault' && 'slave' in step.fault) found.push({ ref: step.fault.slave, path });
    if (step.kind === 'expect' || step.kind === 'wait-until') fromClaims(step.claims, path);
  }
  if (typeof bond.options.primary === 'string')
    found.push({ ref: slaveRefOf(bond.options.primary), path: ['bond', 'primary'] });
  return found;
}

function semanticErrors(scenarioCase: ScenarioCase, stepPaths: Path[], locate: Locator): InputError[] {
  const errors: InputError[] = [];
  for (const { option, modes } of refusedOptions(scenarioCase.bond.mode, scenarioCase.bond.options)) {
    const where = locate.at(['bond', option]).line > 0 ? ['bond', option] : ['matrix', option];
    errors.push(
      locate.error(
        where,
        `the driver refuses ${option} in mode ${scenarioCase.bond.mode}${scenarioCase.name !== scenarioCase.scenario ? ` (case ${scenarioCase.name})` : ''}; it takes it only in ${modes.join(', ')}`,
      ),
    );
  }
  const steps = scenarioCase.steps.map((step, i) => ({ step, path: stepPaths[i] ?? ['steps', i] }));
  const builds = steps.filter(({ step }) => step.kind === 'build');
  if (builds.length > 1)
    errors.push(locate.error(builds[1]?.path ?? ['steps'], 'the topology is built once: only one build step'));
  const buildIndex = steps.findIndex(({ step }) => step.kind === 'build');
  for (const { step, path } of steps.slice(0, Math.max(buildIndex, 0))) {
    if (step.kind !== 'wait' && step.kind !== 'hook') {
      errors.push(locate.error(path, `a ${step.kind} step before the topology exists: move it after the build step`));
    }
  }
  const slaves = scenarioCase.topology.slaves;
  for (const { ref, path } of slaveRefsOf(steps, scenarioCase.bond)) {
    if ('index' in ref && ref.index >= slaves) {
      errors.push(
        locate.error(
          path,
          `slave${ref.index} does not exist: ${scenarioCase.name} has ${slaves} slave(s), slave0 to slave${slaves - 1}`,
        ),
      );
    }
  }
  for (const { step, path } of steps) {
    if (
      step.kind === 'fault' &&
      faultDefinition(step.fault).needs === 'arp-target' &&
      !scenarioCase.topology.arpTarget
    ) {
      errors.push(
        locate.error(
          path,
          `${step.fault.kind} needs an ARP target host: set bond.arp_interval, or topology.arpTarget: true`,
        ),
      );
    }
    const claims = step.kind === 'expect' || step.kind === 'wait-until' ? step.claims : [];
    const index = steps.findIndex((s) => s.step === step);
    const place = {
      farSide: scenarioCase.topology.farSide,
      step: index,
      afterFault: steps.slice(0, index).some(({ step: s }) => s.kind === 'fault'),
    };
    for (const claim of claims)
      for (const { message, key } of claimDefinition(claim).refuse?.(claim, place) ?? [])
        errors.push(locate.error(path, message, key));
  }
  const { mode } = scenarioCase.bond;
  const farSide = scenarioCase.topology.farSide;
  if (!farSideFits(mode, farSide)) {
    errors.push(
      locate.error(
        ['topology', 'farSide'],
        `farSide ${farSide} does not fit mode ${mode}: 802.3ad needs lacp, and lacp needs 802.3ad`,
      ),
    );
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
  if (raw && typeof raw === 'object')
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, substitute(v, values)]));
  return raw;
}

export function buildCases(spec: Json, locate: Locator, file: string): { cases: ScenarioCase[]; errors: InputError[] } {
  const bondSpec = spec.bond as Json;
  const topologySpec = (spec.topology ?? {}) as Json;
  const matrix = spec.matrix as Record<string, MatrixValue[]> | undefined;
  const rawSteps = (spec.steps as unknown[]) ?? [];
  const stepPaths: Path[] = rawSteps.map((raw, i) =>
    typeof raw === 'string' ? ['steps', i] : ['steps', i, Object.keys(raw as Json)[0] ?? ''],
  );
  // Located once, shared by every case: a matrix may make a thousand of them.
  const stepAts = stepPaths.map((path) => locate.at(path));
  const scenarioAt = locate.at([]);
  const cases: ScenarioCase[] = [];
  const errors = new Map<string, InputError>();
  for (const combination of expandMatrix(String(spec.name), matrix)) {
    const merged: Json = { ...bondSpec };
    for (const [key, value] of Object.entries(combination.values)) if (key !== 'kernel') merged[key] = value;
    const mode = modeByNameOrNumber(merged.mode as string | number) as ModeName;
    const options: BondPlan['options'] = {};
    for (const [key, value] of Object.entries(merged)) {
      if (key === 'mode' || key === 'slaves') continue;
      options[key] = value as string | number | string[];
    }
    const arpInterval = Number(options.arp_interval ?? 0);
    if (arpInterval > 0 && options.arp_ip_target === undefined) options.arp_ip_target = ['arp-target'];
    const farSide =
      topologySpec.farSide === undefined || topologySpec.farSide === 'auto'
        ? farSideOf(mode)
        : (topologySpec.farSide as FarSide);
    const arpTarget =
      topologySpec.arpTarget === undefined || topologySpec.arpTarget === 'auto'
        ? arpInterval > 0
        : Boolean(topologySpec.arpTarget);
    const scenarioCase: ScenarioCase = {
      name: combination.name,
      scenario: String(spec.name),
      description: spec.description as string | undefined,
      parameters: Object.fromEntries(
        Object.entries(combination.values).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? String(v) : v,
        ]),
      ),
      kernel: (combination.values.kernel as string | undefined) ?? (spec.kernel as string | undefined),
      bond: { mode, options },
      topology: {
        slaves: Number(merged.slaves ?? 2),
        farSide,
        clients: Number(topologySpec.clients ?? 1),
        arpTarget,
        ...(topologySpec.linkRate ? { linkRate: `${topologySpec.linkRate as string | number}` } : {}),
        ...(topologySpec.linkDelays
          ? { linkDelaysMs: (topologySpec.linkDelays as (string | number)[]).map(parseDuration) }
          : {}),
      },
      steps: rawSteps.map((raw, i) => toStep(substitute(raw, combination.values), stepAts[i] ?? scenarioAt)),
      file,
      at: scenarioAt,
    };
    for (const error of semanticErrors(scenarioCase, stepPaths, locate))
      errors.set(`${error.line}:${error.column}:${error.message.replace(combination.name, '')}`, error);
    cases.push(scenarioCase);
  }
  return { cases, errors: [...errors.values()] };
}
