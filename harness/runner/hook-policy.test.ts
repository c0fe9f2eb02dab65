import { describe, expect, it } from 'vitest';
import { loadScenarioFiles } from '../scenario/load.js';
import { formatInputError } from '../scenario/plan.js';
import { UNSAFE_HOST_HOOKS_FLAG, hookRefusals } from './hook-policy.js';
import { runScenarios } from './run.js';

const FILE = 'fixtures/scenarios-hooks/root-namespace-hook.yaml';

async function load() {
  const { cases, errors } = await loadScenarioFiles([FILE]);
  expect(errors).toEqual([]);
  expect(cases).toHaveLength(2);
  return cases;
}

describe("hooks outside bondlab's namespaces", () => {
  it('are refused on the host target, once per hook step, pinned to file, line and field', async () => {
    const refusals = hookRefusals(await load(), 'host');
    expect(refusals.map(formatInputError)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${FILE}:11:\\d+: steps\\[0\\]\\.hook\\.in: a hook "in: none" runs as root in this machine's own namespaces on --target host, .*${UNSAFE_HOST_HOOKS_FLAG}`,
        ),
      ),
    ]);
  });

  it('are allowed in a VM or a container, whose root namespace is their own, and on the host when the user accepts the risk', async () => {
    const cases = await load();
    expect(hookRefusals(cases, 'vm')).toEqual([]);
    expect(hookRefusals(cases, 'container')).toEqual([]);
    expect(hookRefusals(cases, 'host', { unsafeHostHooks: true })).toEqual([]);
  });

  it('stop a host run before it opens its target', async () => {
    await expect(runScenarios(await load(), { target: 'host' })).rejects.toThrow(`${FILE}:11:`);
  });
});
