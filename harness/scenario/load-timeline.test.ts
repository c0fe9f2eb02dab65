import { describe, expect, it } from 'vitest';
import { loadScenarioText } from './load.js';

const scenario = (steps: string) => `name: t
bond: { mode: active-backup, miimon: 100, updelay: 600 }
steps:
  - build
  - carrier-off: slave0
${steps}`;

describe('timeline claims in scenario files', () => {
  it('read sequences with durations, never claims with windows, and where windows begin', () => {
    const { cases, errors } = loadScenarioText(
      scenario(`  - expect:
      sequence:
        slave0: [down, { going-back: { atLeast: 500ms, atMost: 1s } }, up]
        activeSlave: [slave1, slave0]
      within: 3s
  - expect: { never: { activeSlave: none, slaveMii: { slave1: going down } }, since: step 1, during: 2s }
  - expect: { sequence: { bondMii: [up] }, since: now }
`),
      't.yaml',
    );
    expect(errors).toEqual([]);
    const steps = cases[0]?.steps ?? [];
    expect(steps[2]).toMatchObject({
      kind: 'expect',
      withinMs: 3000,
      claims: [
        {
          kind: 'sequence',
          subject: { kind: 'slave-mii', slave: { index: 0 } },
          states: [{ state: 'down' }, { state: 'going back', atLeastMs: 500, atMostMs: 1000 }, { state: 'up' }],
          since: undefined,
        },
        { kind: 'sequence', subject: { kind: 'active-slave' }, states: [{ state: 'slave1' }, { state: 'slave0' }] },
      ],
    });
    expect(steps[3]).toMatchObject({
      claims: [
        {
          kind: 'never',
          subject: { kind: 'active-slave' },
          state: 'none',
          since: { kind: 'step', index: 1 },
          duringMs: 2000,
        },
        {
          kind: 'never',
          subject: { kind: 'slave-mii', slave: { index: 1 } },
          state: 'going down',
          since: { kind: 'step', index: 1 },
          duringMs: 2000,
        },
      ],
    });
    expect(steps[4]).toMatchObject({
      claims: [{ kind: 'sequence', subject: { kind: 'bond-mii' }, since: { kind: 'now' } }],
    });
  });

  const wrong: [string, string, { line: number; field: string; message: RegExp }][] = [
    [
      'an unknown state',
      '  - expect: { sequence: { slave0: [down, sideways] } }',
      {
        line: 6,
        field: 'steps[2].expect.sequence.slave0[1]',
        message: /expected one of up, down, going down, going back/,
      },
    ],
    [
      'a misspelt bound',
      '  - expect: { sequence: { slave0: [{ down: { atleast: 1s } }] } }',
      {
        line: 6,
        field: 'steps[2].expect.sequence.slave0[0].down.atleast',
        message: /unknown key "atleast"; expected one of: atLeast, atMost/,
      },
    ],
    [
      'during without never',
      '  - expect: { activeSlave: slave0, during: 1s }',
      { line: 6, field: 'steps[2].expect', message: /key "never" alongside "during"/ },
    ],
    [
      'a slave the bond does not have',
      '  - expect: { sequence: { slave4: [up] } }',
      { line: 6, field: 'steps[2].expect', message: /slave4 does not exist/ },
    ],
    [
      'an active slave the bond does not have',
      '  - expect: { never: { activeSlave: slave2 } }',
      { line: 6, field: 'steps[2].expect', message: /slave2 does not exist/ },
    ],
    [
      'a window from a step still to come',
      '  - expect: { never: { activeSlave: none }, since: step 3 }',
      {
        line: 6,
        field: 'steps[2].expect.since',
        message: /since: step 3, but that step does not come before this one/,
      },
    ],
  ];
  for (const [what, step, want] of wrong) {
    it(`refuse ${what}, naming line and field`, () => {
      const { errors } = loadScenarioText(scenario(step), 't.yaml');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: 't.yaml', line: want.line, field: want.field });
      expect(errors[0]?.message).toMatch(want.message);
    });
  }

  it('refuse since: fault before any fault', () => {
    const { errors } = loadScenarioText(
      'name: t\nbond: { mode: active-backup, miimon: 100 }\nsteps:\n  - build\n  - expect: { sequence: { slave0: [up] }, since: fault }\n',
      't.yaml',
    );
    expect(errors).toEqual([
      expect.objectContaining({
        line: 5,
        field: 'steps[1].expect.since',
        message: 'since: fault, but no fault step comes before this one',
      }),
    ]);
  });
});
