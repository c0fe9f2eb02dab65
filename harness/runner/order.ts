/**
 * The order in which --jobs workers take cases: longest first (LPT, as pytest-xdist's and
 * Gradle's duration-based scheduling), so that no worker starts a long case while the others
 * have nothing left to do. Only the order of taking changes: results keep the listed order.
 */
import type { ScenarioCase, Step } from '../scenario/plan.js';

/**
 * A step's fixed cost under emulation, besides the time it is configured to wait: programs
 * started in the guest, agent round trips and checks. A build or a traffic window costs more
 * than a check (namespaces and links; probes started, drained and counted). Rough figures from
 * `bench/case-profile.ts` under TCG; only their ratios matter for the order.
 */
const STEP_COST_MS: Record<Step['kind'], number> = {
  build: 3000,
  traffic: 700,
  throughput: 1500,
  fault: 400,
  wait: 50,
  'wait-until': 300,
  expect: 300,
  hook: 300,
};

/** The wall time a step is configured to take at least: waits, throughput runs, `never` windows. */
function configuredMs(step: Step): number {
  switch (step.kind) {
    case 'wait':
      return step.ms;
    case 'throughput':
      return (step.settings.seconds ?? 10) * 1000;
    case 'expect':
      return Math.max(0, ...step.claims.map((claim) => (claim.kind === 'never' ? (claim.duringMs ?? 0) : 0)));
    default:
      return 0;
  }
}

/** Starting a case's traffic probes, one Node per namespace, once per case (0.5-1 s of guest CPU each). */
const PROBES_START_MS = 3000;

/** A case's expected duration from its plan alone: configured waits plus each step's fixed cost. */
export function estimateCaseMs(scenarioCase: ScenarioCase): number {
  const probes = scenarioCase.steps.some((step) => step.kind === 'traffic') ? PROBES_START_MS : 0;
  return scenarioCase.steps.reduce((total, step) => total + STEP_COST_MS[step.kind] + configuredMs(step), probes);
}

/**
 * The items longest first by `cost`; equal costs keep their given order (a stable sort), so every
 * run of the same cases takes them in the same order.
 */
export function longestFirst<T>(items: readonly T[], cost: (item: T) => number): T[] {
  return items
    .map((item, order) => ({ item, order, ms: cost(item) }))
    .sort((a, b) => b.ms - a.ms || a.order - b.order)
    .map(({ item }) => item);
}

/**
 * A case's cost for ordering: its recorded duration (an earlier run's, `--durations`) when known,
 * else its estimate scaled to the recorded ones (the estimate's mean ratio to the recorded cases'
 * durations), so recorded and unrecorded cases compare on one scale.
 */
export function caseCost(cases: readonly ScenarioCase[], durations?: Map<string, number>): (c: ScenarioCase) => number {
  const recorded = cases.filter((c) => durations?.has(c.name));
  const estimated = recorded.reduce((t, c) => t + estimateCaseMs(c), 0);
  const measured = recorded.reduce((t, c) => t + (durations?.get(c.name) ?? 0), 0);
  const scale = estimated > 0 && measured > 0 ? measured / estimated : 1;
  return (c) => durations?.get(c.name) ?? estimateCaseMs(c) * scale;
}
