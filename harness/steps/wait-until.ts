/** wait-until: poll the claims until all hold or the timeout passes; fails the case on timeout. Written as wait: { until }. */
import { isFailed, isInconclusive } from '../check/assertions.js';
import { ChecksFailed, type StepDefinition } from './definition.js';

export const waitUntil: StepDefinition<'wait-until'> = {
  syntax: {},
  needsTopology: true,
  async run(session, step) {
    const checks = await session.poll(step.claims, step.timeoutMs);
    if (checks.some(isFailed)) throw new ChecksFailed(checks.map((c) => ({ ...c, name: `wait until ${c.name}` })));
    return { checks, outcome: checks.some(isInconclusive) ? 'inconclusive' : undefined };
  },
  describe: (step) => `wait until ${step.claims.length} condition(s) hold (timeout ${step.timeoutMs} ms)`,
};
