import { describe, expect, it } from 'vitest';
import { loadScenarioFiles, loadScenarioText } from '../scenario/load.js';
import { probeStartStep } from './probe-start.js';

function steps(text: string) {
  const { cases, errors } = loadScenarioText(
    `name: probes\nbond: { mode: active-backup, miimon: 100 }\nsteps:\n${text}`,
    'probes.yaml',
  );
  expect(errors).toEqual([]);
  return cases[0]?.steps ?? [];
}

describe('when the probes start', () => {
  it('in the first long enough wait of the idle prefix, before the first traffic', () => {
    expect(
      probeStartStep(
        steps(`  - build
  - wait: { until: { bondMii: up }, timeout: 5s }
  - wait: 200ms
  - wait: 1s
  - traffic: { start: { flows: 2 } }
  - wait: 1s
  - traffic: stop
`),
      ),
    ).toBe(3);
  });

  it('beside the build without such a wait, or with no traffic at all', () => {
    const without = [
      '  - build\n  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n',
      '  - build\n  - wait: 400ms\n  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n',
      '  - build\n  - wait: 1s\n  - carrier-off: slave0\n',
      // The namespaces do not exist yet in a wait before the build.
      '  - wait: 1s\n  - build\n  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n',
      // A fault or a check ends the idle prefix: nothing it measures is shared with the probes' start.
      '  - build\n  - carrier-off: slave0\n  - wait: 1s\n  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n',
      '  - build\n  - expect: { bondMii: up }\n  - wait: 1s\n  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n',
    ];
    for (const text of without) expect(probeStartStep(steps(text)), text).toBeUndefined();
  });

  it('beside the build when a timeline claim judges the samples of that wait', () => {
    const traffic = '  - traffic: { start: { flows: 2 } }\n  - wait: 1s\n  - traffic: stop\n';
    const lookingBack = [
      '  - expect: { never: { bondMii: down } }\n',
      '  - expect: { never: { bondMii: down }, since: start }\n',
      '  - expect: { never: { activeSlave: none }, since: step 1 }\n',
      '  - expect: { sequence: { activeSlave: [slave0] }, since: start }\n',
    ];
    for (const claim of lookingBack)
      expect(probeStartStep(steps(`  - build\n  - wait: 1s\n${traffic}${claim}`)), claim).toBeUndefined();
    // Since a fault (the default after one) or a later step: the wait is not judged.
    const after = [
      '  - carrier-off: slave0\n  - expect: { never: { bondMii: down }, during: 1s }\n',
      '  - expect: { never: { bondMii: down }, since: step 2 }\n',
    ];
    for (const claim of after)
      expect(probeStartStep(steps(`  - build\n  - wait: 1s\n${traffic}${claim}`)), claim).toBe(1);
  });

  it("in the suite's waits before traffic: the mode matrix and the hash cases", async () => {
    const { cases, errors } = await loadScenarioFiles(['scenarios/suite']);
    expect(errors).toEqual([]);
    const inWait = cases.filter((c) => probeStartStep(c.steps) !== undefined).map((c) => c.scenario);
    expect(new Set(inWait)).toEqual(new Set(['mode-matrix', 'hash-layer2', 'hash-layer2-3', 'hash-layer3-4']));
  });
});
