/** build: the bond in its own namespace over veth pairs, a far side, clients. */
import type { StepDefinition } from './definition.js';

export const build: StepDefinition<'build'> = {
  syntax: {
    build: {
      schema: { type: ['object', 'null'], additionalProperties: false, properties: {} },
      translate: (_value, at) => ({ kind: 'build', at }),
    },
  },
  needsTopology: false,
  async run(session) {
    await session.build();
    return { checks: [] };
  },
  describe: () => 'build the topology',
};
