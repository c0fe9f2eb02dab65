import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFiles, loadScenarioText } from './load.js';
import { expandMatrix } from './matrix.js';
import { SCENARIO_SCHEMA } from './schema.js';

describe('scenario files that are wrong', () => {
  const cases: [string, { line: number; column: number; field: string; message: RegExp }][] = [
    ['bad-yaml.yaml', { line: 5, column: 1, field: '', message: /^YAML: / }],
    ['unknown-key.yaml', { line: 5, column: 3, field: 'bond.mimon', message: /unknown key "mimon"; expected one of: mode, slaves, miimon/ }],
    ['wrong-type.yaml', { line: 4, column: 11, field: 'bond.miimon', message: /expected a value of type integer; got "fast"/ }],
    ['unknown-mode.yaml', { line: 3, column: 9, field: 'bond.mode', message: /expected one of balance-rr, active-backup, .*; got "active-active"/ }],
    ['step-before-build.yaml', { line: 6, column: 18, field: 'steps[0].carrier-off', message: /before the topology exists/ }],
    ['slave-out-of-range.yaml', { line: 8, column: 13, field: 'steps[1].detach', message: /slave2 does not exist: .* has 2 slave\(s\)/ }],
  ];
  for (const [file, want] of cases) {
    it(`${file}: one error at the right place`, async () => {
      const { errors, cases: loaded } = await loadScenarioFiles([`fixtures/scenarios-invalid/${file}`]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: `fixtures/scenarios-invalid/${file}`, line: want.line, column: want.column, field: want.field });
      expect(errors[0]?.message).toMatch(want.message);
      expect(loaded).toHaveLength(0);
    });
  }

  it('names a missing file', async () => {
    const { errors } = await loadScenarioFiles(['nope/missing.yaml']);
    expect(errors[0]).toMatchObject({ file: 'nope/missing.yaml', message: 'no such file or directory' });
  });

  it('rejects an unknown step and lists the steps there are', () => {
    const { errors } = loadScenarioText('name: x\nbond: { mode: 1 }\nsteps:\n  - unplug: slave0\n', 'x.yaml');
    expect(errors).toEqual([expect.objectContaining({ line: 4, column: 5, field: 'steps[0]', message: expect.stringMatching(/unknown step .*detach, attach/) })]);
  });

  it('rejects an ARP fault where no ARP target exists, and a far side that does not fit the mode', () => {
    const arp = loadScenarioText('name: x\nbond: { mode: 1, miimon: 100 }\nsteps:\n  - arp-target-loss: drop\n', 'x.yaml');
    expect(arp.errors[0]?.message).toMatch(/needs an ARP target host/);
    const lacp = loadScenarioText('name: x\nbond: { mode: 1 }\ntopology: { farSide: lacp }\nsteps: [build]\n', 'x.yaml');
    expect(lacp.errors[0]).toMatchObject({ field: 'topology.farSide', line: 3 });
  });

  it('finds the same case name defined twice', async () => {
    const { errors } = await loadScenarioFiles(['scenarios/debian-guide.yaml', 'scenarios/debian-guide.yaml']);
    expect(errors[0]?.message).toMatch(/also defined at scenarios\/debian-guide.yaml/);
  });
});

describe('the plan', () => {
  it('reads shorthand and long forms of steps into the same plan', () => {
    const { cases, errors } = loadScenarioText(
      `name: forms
bond: { mode: active-backup, arp_interval: 200, primary: slave1 }
steps:
  - build
  - detach: slave0
  - attach: { slave: slave0, method: sysfs }
  - flap: { slave: active, count: 2, interval: 1.5s }
  - arp-target-loss: {}
  - wait: 250ms
  - wait: { until: { bondMii: up }, timeout: 2s }
  - expect: { activeSlave: none, linkFailures: { slave0: 2, slave1: { increasedBy: 1 } }, log: [{ event: release, within: 500ms }], within: 1s }
  - hook: { run: "cat /proc/net/bonding/bond0" }
`,
      'forms.yaml',
    );
    expect(errors).toEqual([]);
    const [only] = cases;
    expect(only?.bond.options).toMatchObject({ arp_interval: 200, arp_ip_target: ['arp-target'], primary: 'slave1' });
    expect(only?.topology).toEqual({ slaves: 2, farSide: 'switch', clients: 1, arpTarget: true });
    const steps = only?.steps.map(({ at, ...step }) => step);
    expect(steps).toEqual([
      { kind: 'build' },
      { kind: 'fault', fault: { kind: 'detach', slave: { index: 0 }, method: 'ip' } },
      { kind: 'fault', fault: { kind: 'attach', slave: { index: 0 }, method: 'sysfs' } },
      { kind: 'fault', fault: { kind: 'flap', slave: { active: true }, count: 2, intervalMs: 1500 } },
      { kind: 'fault', fault: { kind: 'arp-target-loss', how: 'remove-address' } },
      { kind: 'wait', ms: 250 },
      { kind: 'wait-until', assertions: [{ kind: 'bond-mii', expected: 'up' }], timeoutMs: 2000 },
      {
        kind: 'expect',
        withinMs: 1000,
        assertions: [
          { kind: 'active-slave', expected: { is: null } },
          { kind: 'link-failures', slave: { index: 0 }, exactly: 2 },
          { kind: 'link-failures', slave: { index: 1 }, increasedBy: 1 },
          { kind: 'log-event', event: 'release', slave: undefined, withinMsOfFault: 500, present: true },
        ],
      },
      { kind: 'hook', argv: ['sh', '-c', 'cat /proc/net/bonding/bond0'], netns: 'bond' },
    ]);
    expect(only?.steps[1]?.at).toEqual({ file: 'forms.yaml', line: 5, column: 13 });
  });

  it('expands a matrix into stably named cases with each value applied', () => {
    const { cases, errors } = loadScenarioText(
      `name: m
bond: { mode: 1, miimon: 100 }
matrix: { mode: [1, balance-alb], miimon: [100, 200], slaves: [2, 3], kernel: [debian:bookworm, debian:sid] }
steps:
  - expect: { mode: "\${mode}", slaves: 2 }
`,
      'm.yaml',
    );
    expect(errors).toEqual([]);
    expect(cases).toHaveLength(16);
    expect(cases[0]?.name).toBe('m[mode=active-backup,miimon=100,slaves=2,kernel=debian:bookworm]');
    const last = cases.at(-1);
    expect(last?.name).toBe('m[mode=balance-alb,miimon=200,slaves=3,kernel=debian:sid]');
    expect(last).toMatchObject({ kernel: 'debian:sid', bond: { mode: 'balance-alb', options: { miimon: 200 } }, topology: { slaves: 3 } });
    expect(last?.steps[0]).toMatchObject({ kind: 'expect', assertions: [{ kind: 'mode', expected: 'balance-alb' }, { kind: 'slave-count', expected: 2 }] });
    expect(new Set(cases.map((c) => c.name)).size).toBe(16);
  });

  it('names a case without a matrix plainly', () => {
    expect(expandMatrix('plain', undefined)).toEqual([{ values: {}, name: 'plain' }]);
  });

  it('loads the shipped scenarios without errors, and filters them', async () => {
    const all = await loadScenarioFiles(['scenarios']);
    expect(all.errors).toEqual([]);
    expect(all.cases.map((c) => c.name)).toContain('all-modes[mode=802.3ad]');
    expect(all.cases.filter((c) => c.scenario === 'all-modes')).toHaveLength(7);
    const some = await loadScenarioFiles(['scenarios'], { filter: 'all-modes[mode=balance-*]' });
    expect(some.cases.map((c) => c.name)).toEqual(['all-modes[mode=balance-rr]', 'all-modes[mode=balance-xor]', 'all-modes[mode=balance-tlb]', 'all-modes[mode=balance-alb]']);
  });

  it('keeps the JSON Schema file for editors in step with the schema (npm run schema)', () => {
    expect(JSON.parse(readFileSync('harness/scenario/scenario.schema.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(SCENARIO_SCHEMA)));
  });
});
