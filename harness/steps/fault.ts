/** Fault steps: one YAML key per fault kind (harness/fault/registry.ts), each inflicted on the built topology. */
import { FAULTS, faultDefinition } from '../fault/registry.js';
import { inflict } from '../fault/faults.js';
import type { StepDefinition } from './definition.js';

export const fault: StepDefinition<'fault'> = {
  syntax: Object.fromEntries(
    Object.entries(FAULTS).map(([key, definition]) => [
      key,
      {
        schema: definition.schema,
        translate: (value: unknown, at) => ({ kind: 'fault', fault: definition.translate(value), at }),
      },
    ]),
  ),
  needsTopology: true,
  async run(session, step) {
    const slave = 'slave' in step.fault ? await session.resolveSlave(step.fault.slave) : undefined;
    await session.capture?.listening();
    session.beforeFault = await session.observe();
    const event = await inflict(session.target, session.topology, step.fault, slave);
    session.latestFault = event;
    session.timeline.push(event);
    return { checks: [], description: `${fault.describe(step)}${slave ? ` (${slave})` : ''}: ${event.detail}` };
  },
  describe: (step) => faultDefinition(step.fault).describe(step.fault),
};
