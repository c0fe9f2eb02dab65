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
    const training = session.topology.linkTraining ?? [];
    // On a lab: how long each NIC trained before the bond came up (a veth has carrier at once).
    return training.length
      ? {
          checks: [],
          description: `build the topology; lab NICs had carrier after: ${training.map((t) => `${t.nic} ${t.shown} ${t.ms} ms`).join(', ')}`,
        }
      : { checks: [] };
  },
  describe: () => 'build the topology',
};
