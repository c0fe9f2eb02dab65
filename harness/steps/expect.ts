/** expect: check claims; with within, retry until they hold or the time passes. An undecided claim does not stop the case. */
import { isFailed, isInconclusive } from '../check/assertions.js';
import { EXPECT_SCHEMA, expectClaims } from '../check/claim-syntax.js';
import { ChecksFailed, type StepDefinition } from './definition.js';

export const expectStep: StepDefinition<'expect'> = {
  syntax: {
    expect: {
      schema: EXPECT_SCHEMA,
      translate(value, at) {
        const { claims, withinMs } = expectClaims(value as Record<string, unknown>);
        return { kind: 'expect', claims, withinMs, at };
      },
    },
  },
  needsTopology: true,
  async run(session, step) {
    await session.awaitWindows(step.claims);
    const checks = await session.poll(step.claims, step.withinMs);
    if (checks.some(isFailed)) throw new ChecksFailed(checks);
    return { checks, outcome: checks.some(isInconclusive) ? 'inconclusive' : undefined };
  },
  describe: (step) => `expect ${step.claims.length} claim(s)${step.withinMs ? ` within ${step.withinMs} ms` : ''}`,
};
