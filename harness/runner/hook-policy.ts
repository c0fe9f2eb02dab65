/**
 * Hooks run as root. In bondlab's own namespaces (`in: bond`, `in: far`) they reach only what the
 * case built; with `in: none` they run in the target's root namespace, which on the host target is
 * this machine's own: a typo there can cut the machine off its network. VMs and containers have a
 * root namespace of their own, so only the targets that are a real machine refuse such hooks,
 * unless the user accepts the risk with UNSAFE_HOST_HOOKS_FLAG.
 */
import type { InputError, ScenarioCase } from '../scenario/plan.js';
import type { Target } from '../target/target.js';

export const UNSAFE_HOST_HOOKS_FLAG = '--unsafe-host-hooks';

/** Targets whose root namespace is a real machine's: this one, or one reached over ssh. */
const MACHINE_TARGETS: readonly Target['kind'][] = ['host', 'ssh'];

/** One error per hook step (not per expanded case) that would run in the machine's own namespaces, unless the user accepted that. */
export function hookRefusals(
  cases: ScenarioCase[],
  target: Target['kind'],
  options: { unsafeHostHooks?: boolean } = {},
): InputError[] {
  if (options.unsafeHostHooks || !MACHINE_TARGETS.includes(target)) return [];
  const refusals = new Map<string, InputError>();
  for (const scenarioCase of cases) {
    scenarioCase.steps.forEach((step, index) => {
      if (step.kind !== 'hook' || step.netns !== 'none') return;
      refusals.set(`${step.at.file}:${step.at.line}:${step.at.column}`, {
        ...step.at,
        field: `steps[${index}].hook.in`,
        message: `a hook "in: none" runs as root in this machine's own namespaces on --target ${target}, where it can cut the machine's network; run it in: bond or in: far, use --target vm, or accept the risk with ${UNSAFE_HOST_HOOKS_FLAG}`,
      });
    });
  }
  return [...refusals.values()];
}
