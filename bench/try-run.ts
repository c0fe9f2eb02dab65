import type { ScenarioCase } from '../harness/scenario/plan.js';
import { runScenarios } from '../harness/runner/run.js';

const at = { file: 'x.yaml', line: 1, column: 1 };
const cases: ScenarioCase[] = [
  {
    name: 'debian-guide', scenario: 'debian-guide', parameters: {}, file: 'x.yaml', at,
    bond: { mode: 'balance-rr', options: { miimon: 200 } },
    topology: { slaves: 2, farSide: 'static-lag', clients: 1, arpTarget: false },
    steps: [
      { kind: 'fault', fault: { kind: 'detach', slave: { index: 0 }, method: 'ifenslave' }, at },
      { kind: 'expect', withinMs: 1000, at, assertions: [
        { kind: 'bond-mii', expected: 'up' }, { kind: 'slave-count', expected: 1 }, { kind: 'slave-mii', slave: { index: 1 }, expected: 'up' },
        { kind: 'log-event', event: 'release', slave: { index: 0 }, present: true },
      ] },
    ],
  },
  {
    name: 'ab-carrier', scenario: 'ab', parameters: {}, file: 'x.yaml', at,
    bond: { mode: 'active-backup', options: { miimon: 100 } },
    topology: { slaves: 2, farSide: 'switch', clients: 1, arpTarget: false },
    steps: [
      { kind: 'expect', withinMs: 2000, at, assertions: [{ kind: 'active-slave', expected: { is: { index: 0 } } }] },
      { kind: 'fault', fault: { kind: 'carrier-off', slave: { active: true } }, at },
      { kind: 'expect', withinMs: 1000, at, assertions: [
        { kind: 'active-slave', expected: { isNot: { index: 0 } } }, { kind: 'active-slave-changed', expected: true },
        { kind: 'slave-mii', slave: { index: 0 }, expected: 'down' }, { kind: 'link-failures', slave: { index: 0 }, increasedBy: 1 },
        { kind: 'log-event', event: 'new-active-slave', withinMsOfFault: 1000, present: true },
      ] },
    ],
  },
  {
    name: 'false-claim', scenario: 'false', parameters: {}, file: 'x.yaml', at,
    bond: { mode: 'active-backup', options: { miimon: 100 } },
    topology: { slaves: 2, farSide: 'switch', clients: 1, arpTarget: false },
    steps: [
      { kind: 'fault', fault: { kind: 'detach', slave: { index: 0 }, method: 'ip' }, at },
      { kind: 'expect', withinMs: 500, at, assertions: [{ kind: 'active-slave', expected: { is: { index: 0 } } }] },
    ],
  },
];
const result = await runScenarios(cases, { target: 'vm', log: console.error, onCaseEnd: (r) => console.error(r.name, r.status, Math.round(r.durationMs), JSON.stringify(r.steps.map((s) => [s.description, s.outcome, s.error, s.checks.map((c) => `${c.name}=${c.passed}:${c.expected}|${c.actual}`)]), null, 1)) });
console.log(JSON.stringify(result.summary), Math.round(result.durationMs));
console.log(result.cases[1]?.timeline.map((e) => `${e.kind} ${'atNs' in e ? e.atNs : e.startNs} ${'event' in e ? e.event + ' ' + e.text : 'activeSlave' in e ? e.activeSlave + ' ' + JSON.stringify(e.slaves) : 'detail' in e ? e.detail : ''}`).join('\n'));
