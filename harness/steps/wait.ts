/** wait: a pause (`wait: 2s`); `wait: { until: {...}, timeout }` is a wait-until step. */
import { EXPECT_SCHEMA, expectClaims } from '../check/claim-syntax.js';
import { parseDuration } from '../scenario/duration.js';
import { duration } from '../scenario/fragments.js';
import { sleepUnlessStopped } from '../target/teardown.js';
import type { StepDefinition } from './definition.js';

export const wait: StepDefinition<'wait'> = {
  syntax: {
    wait: {
      schema: {
        oneOf: [
          duration,
          {
            type: 'object',
            additionalProperties: false,
            required: ['until'],
            properties: { until: EXPECT_SCHEMA, timeout: duration },
          },
        ],
      },
      translate(value, at) {
        if (typeof value === 'object' && value !== null) {
          const spec = value as { until: Record<string, unknown>; timeout?: string | number };
          return {
            kind: 'wait-until',
            claims: expectClaims(spec.until).claims,
            timeoutMs: spec.timeout === undefined ? 10_000 : parseDuration(spec.timeout),
            at,
          };
        }
        return { kind: 'wait', ms: parseDuration(value as string | number), at };
      },
    },
  },
  needsTopology: false,
  async run(_session, step) {
    await sleepUnlessStopped(step.ms);
    return { checks: [] };
  },
  describe: (step) => `wait ${step.ms} ms`,
};
