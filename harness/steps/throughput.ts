/** throughput: TCP throughput with iperf3, and one plain link of the same rate for comparison. */
import { mbps } from '../report/format.js';
import { measureThroughput } from '../traffic/throughput.js';
import type { StepDefinition } from './definition.js';

export const throughput: StepDefinition<'throughput'> = {
  syntax: {
    throughput: {
      schema: {
        type: ['object', 'null'],
        additionalProperties: false,
        description: 'measure TCP throughput with iperf3, and one plain link of the same rate for comparison',
        properties: {
          streams: { type: 'integer', minimum: 1, maximum: 32 },
          seconds: { type: 'integer', minimum: 1, maximum: 60 },
          vary: { enum: ['ports', 'clients'] },
          direction: { enum: ['to-clients', 'from-clients'] },
        },
      },
      translate: (value, at) => ({ kind: 'throughput', settings: value ?? {}, at }),
    },
  },
  needsTopology: true,
  async run(session, step) {
    const result = await measureThroughput(session.target, session.topology, step.settings);
    session.throughputs.push(result);
    return {
      checks: [],
      description: `throughput: ${mbps(result.totalBps)} in ${result.streamsBps.length} stream(s) (${result.streamsBps.map((b) => (b / 1e6).toFixed(1)).join(', ')}), one link ${result.singleLinkRunsBps ? result.singleLinkRunsBps.map(mbps).join(' before, ') + ' after' : mbps(result.singleLinkBps)}, ${result.factor.toFixed(2)}x; unshaped ${result.capacityBps === undefined ? '?' : mbps(result.capacityBps)}`,
    };
  },
  describe: (step) => `throughput with ${step.settings.streams ?? 1} stream(s)`,
};
