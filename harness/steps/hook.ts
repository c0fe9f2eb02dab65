/** hook: a command of the user's, in the bond's or the far side's namespace (or none). */
import { run } from '../target/target.js';
import type { StepDefinition } from './definition.js';

const NETNS = ['bond', 'far', 'none'] as const;

export const hook: StepDefinition<'hook'> = {
  syntax: {
    hook: {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['run'],
        properties: {
          run: {
            oneOf: [
              { type: 'string', minLength: 1 },
              { type: 'array', items: { type: 'string' }, minItems: 1 },
            ],
          },
          in: { enum: [...NETNS] },
        },
      },
      translate(value, at) {
        const spec = value as { run: string | string[]; in?: (typeof NETNS)[number] };
        return {
          kind: 'hook',
          argv: typeof spec.run === 'string' ? ['sh', '-c', spec.run] : spec.run,
          netns: spec.in ?? 'bond',
          at,
        };
      },
    },
  },
  needsTopology: false,
  async run(session, step) {
    const topology = session.isBuilt ? session.topology : undefined;
    const netns = step.netns === 'bond' ? topology?.dut.netns : step.netns === 'far' ? topology?.far.netns : undefined;
    if (step.netns !== 'none' && !netns)
      throw new Error('the hook runs in a namespace that does not exist yet: build first');
    const result = await run(session.target, step.argv, { netns, timeoutMs: 60_000 });
    return {
      checks: [],
      description: `${hook.describe(step)} -> ${result.stdout.trim().split('\n').slice(-1)[0] ?? ''}`,
    };
  },
  describe: (step) => `hook: ${step.argv.join(' ')}`,
};
