/** traffic: start UDP probe flows (`traffic: { start: {...} }`), or stop them and measure the window (`traffic: stop`). */
import { failoverTimings } from '../check/failover.js';
import { percent, signedMs } from '../report/format.js';
import type { TrafficStep } from '../scenario/plan.js';
import type { FaultEvent } from '../timeline/events.js';
import { BOND } from '../topology/topology.js';
import { TrafficSession } from '../traffic/engine.js';
import { describeCauses } from '../traffic/window.js';
import type { StepDefinition } from './definition.js';

export const traffic: StepDefinition<'traffic'> = {
  syntax: {
    traffic: {
      schema: {
        oneOf: [
          { enum: ['start', 'stop'] },
          {
            type: 'object',
            additionalProperties: false,
            required: ['start'],
            properties: {
              start: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  flows: {
                    type: 'integer',
                    minimum: 1,
                    maximum: 64,
                    description: 'how many flows at once (default 1)',
                  },
                  vary: {
                    enum: ['ports', 'addresses', 'clients'],
                    description:
                      'what tells flows apart: source ports (layer3+4), addresses of one host (layer2+3), client hosts (layer2)',
                  },
                  rate: {
                    type: 'integer',
                    minimum: 1,
                    maximum: 100000,
                    description: 'packets per second per flow (default 1000)',
                  },
                  direction: { enum: ['to-clients', 'from-clients'] },
                  size: { type: 'integer', minimum: 16, maximum: 1400, description: 'UDP payload bytes (default 64)' },
                },
              },
            },
          },
        ],
      },
      translate(value, at) {
        if (typeof value === 'string')
          return { kind: 'traffic', traffic: { action: value as TrafficStep['action'], settings: {} }, at };
        return {
          kind: 'traffic',
          traffic: { action: 'start', settings: (value as { start?: TrafficStep['settings'] }).start ?? {} },
          at,
        };
      },
    },
  },
  needsTopology: true,
  async run(session, step) {
    if (step.traffic.action === 'start') {
      if (session.traffic) throw new Error('traffic is already running: stop it first');
      session.capture?.begin(session.topology, session.scenarioCase.steps.indexOf(step));
      session.traffic = await TrafficSession.start(session.probes, session.topology, step.traffic.settings);
      return { checks: [] };
    }
    if (!session.traffic) throw new Error('traffic stop without a traffic start');
    session.capture?.halt();
    const window = await session.traffic.stop(session.timeline.filter((e): e is FaultEvent => e.kind === 'fault'));
    session.traffic = undefined;
    session.windows.push(window);
    // Kernel-log events join the timeline at the end of the case; timings need them now.
    const timings = failoverTimings([...session.timeline, ...session.kernelEvents()], window, BOND);
    session.failovers.push(...timings);
    if (session.capture) session.captures.push(...(await session.capture.stop(window, timings)));
    const t = window.totals;
    const failover = timings
      .map(
        (f) =>
          `; failover: state change ${signedMs(f.stateChangeMs)}, delivery again ${signedMs(f.deliveryRestoredMs)} after the fault was issued (its command returned ${signedMs(f.commandMs)})`,
      )
      .join('');
    const shares = window.perSlave
      .map((s) => `${s.slave} tx ${percent(s.txShare, 0)}/rx ${percent(s.rxShare, 0)}`)
      .join(', ');
    return {
      checks: [],
      description: `traffic stop: ${t.received}/${t.sent} delivered, ${t.lost} lost (${describeCauses(window)}), ${t.duplicates} duplicates, ${t.reordered} reordered, outage ${t.outageMs.toFixed(1)} ms, delivery gap ${t.deliveryGapMs.toFixed(0)} ms, ${window.achievedPps} of ${window.setPps ?? '?'} pps, sender stalled ${(t.stalledMs ?? 0).toFixed(0)} ms; ${shares}${failover}`,
    };
  },
  describe: (step) => `traffic ${step.traffic.action}`,
};
