import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { LIMITS } from './limits.js';
import { loadScenarioFiles, loadScenarioText } from './load.js';
import { expandMatrix } from './matrix.js';
import { SCENARIO_SCHEMA } from './schema.js';

describe('scenario files that are wrong', () => {
  const cases: [string, { line: number; column: number; field: string; message: RegExp }][] = [
    ['bad-yaml.yaml', { line: 5, column: 1, field: '', message: /^YAML: / }],
    [
      'unknown-key.yaml',
      {
        line: 5,
        column: 3,
        field: 'bond.mimon',
        message: /unknown key "mimon"; expected one of: mode, slaves, miimon/,
      },
    ],
    [
      'wrong-type.yaml',
      { line: 4, column: 11, field: 'bond.miimon', message: /expected a value of type integer; got "fast"/ },
    ],
    [
      'unknown-mode.yaml',
      {
        line: 3,
        column: 9,
        field: 'bond.mode',
        message: /expected one of balance-rr, active-backup, .*; got "active-active"/,
      },
    ],
    [
      'step-before-build.yaml',
      { line: 6, column: 18, field: 'steps[0].carrier-off', message: /before the topology exists/ },
    ],
    [
      'slave-out-of-range.yaml',
      { line: 8, column: 13, field: 'steps[1].detach', message: /slave2 does not exist: .* has 2 slave\(s\)/ },
    ],
  ];
  for (const [file, want] of cases) {
    it(`${file}: one error at the right place`, async () => {
      const { errors, cases: loaded } = await loadScenarioFiles([`fixtures/scenarios-invalid/${file}`]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        file: `fixtures/scenarios-invalid/${file}`,
        line: want.line,
        column: want.column,
        field: want.field,
      });
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
    expect(errors).toEqual([
      expect.objectContaining({
        line: 4,
        column: 5,
        field: 'steps[0]',
        message: expect.stringMatching(/unknown step .*detach, attach/),
      }),
    ]);
  });

  it('rejects an ARP fault where no ARP target exists, and a far side that does not fit the mode', () => {
    const arp = loadScenarioText(
      'name: x\nbond: { mode: 1, miimon: 100 }\nsteps:\n  - arp-target-loss: drop\n',
      'x.yaml',
    );
    expect(arp.errors[0]?.message).toMatch(/needs an ARP target host/);
    const lacp = loadScenarioText(
      'name: x\nbond: { mode: 1 }\ntopology: { farSide: lacp }\nsteps: [build]\n',
      'x.yaml',
    );
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
    const steps = only?.steps.map(({ at: _at, ...step }) => step);
    expect(steps).toEqual([
      { kind: 'build' },
      { kind: 'fault', fault: { kind: 'detach', slave: { index: 0 }, method: 'ip' } },
      { kind: 'fault', fault: { kind: 'attach', slave: { index: 0 }, method: 'sysfs' } },
      { kind: 'fault', fault: { kind: 'flap', slave: { active: true }, count: 2, intervalMs: 1500 } },
      { kind: 'fault', fault: { kind: 'arp-target-loss', how: 'remove-address' } },
      { kind: 'wait', ms: 250 },
      { kind: 'wait-until', claims: [{ kind: 'bond-mii', expected: 'up' }], timeoutMs: 2000 },
      {
        kind: 'expect',
        withinMs: 1000,
        claims: [
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
    expect(last).toMatchObject({
      kernel: 'debian:sid',
      bond: { mode: 'balance-alb', options: { miimon: 200 } },
      topology: { slaves: 3 },
    });
    expect(last?.steps[0]).toMatchObject({
      kind: 'expect',
      claims: [
        { kind: 'mode', expected: 'balance-alb' },
        { kind: 'slave-count', expected: 2 },
      ],
    });
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
    expect(some.cases.map((c) => c.name)).toEqual([
      'all-modes[mode=balance-rr]',
      'all-modes[mode=balance-xor]',
      'all-modes[mode=balance-tlb]',
      'all-modes[mode=balance-alb]',
    ]);
  });

  it('keeps the JSON Schema file for editors in step with the schema (npm run schema)', () => {
    expect(JSON.parse(readFileSync('harness/scenario/scenario.schema.json', 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(SCENARIO_SCHEMA)),
    );
  });
});

describe('input that used to crash, hang or pass and then misbehave (issue #10)', () => {
  const scenario = (lines: string[]) => `${['name: x', ...lines].join('\n')}\n`;
  const tenValues = '[0,1,2,3,4,5,6,7,8,9]';

  it('counts a 340-byte matrix of 10^8 cases instead of making them, and names the file and the count', () => {
    const keys = [
      'miimon',
      'updelay',
      'downdelay',
      'peer_notif_delay',
      'arp_interval',
      'resend_igmp',
      'num_grat_arp',
      'min_links',
    ];
    const text = scenario([
      'bond: { mode: 1 }',
      'matrix:',
      ...keys.map((key) => `  ${key}: ${tenValues}`),
      'steps: [build]',
    ]);
    expect(text.length).toBeLessThan(350);
    const { cases, errors } = loadScenarioText(text, 'm.yaml');
    expect(cases).toEqual([]);
    expect(errors).toEqual([
      {
        file: 'm.yaml',
        line: 4,
        column: 3,
        field: 'matrix',
        message: `the matrix makes 100000000 cases; a scenario may make at most ${LIMITS.casesPerScenario}`,
      },
    ]);
  });

  it('refuses cases past the budget shared by all files, once', () => {
    const doc = (name: string) =>
      `name: ${name}\nbond: { mode: 1 }\nmatrix: { miimon: [100, 200, 300] }\nsteps: [build]\n`;
    const { cases, errors } = loadScenarioText([doc('a'), doc('b'), doc('c')].join('---\n'), 'b.yaml', { left: 4 });
    expect(cases.map((c) => c.scenario)).toEqual(['a', 'a', 'a']);
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'b.yaml',
        line: 8,
        field: 'matrix',
        message: expect.stringMatching(new RegExp(`more than ${LIMITS.casesInAll} cases in all; the 3 of this`)),
      }),
    ]);
  });

  const broken: [string, string[], string, RegExp][] = [
    [
      'a wait of 3000000s',
      ['bond: { mode: 1 }', 'steps: [build, { wait: 3000000s }]'],
      'steps[1].wait',
      /up to 3600s.*; got "3000000s"/,
    ],
    ['a wait of .inf', ['bond: { mode: 1 }', 'steps: [build, { wait: .inf }]'], 'steps[1].wait', /got \.inf$/],
    [
      'miimon: 1e308',
      ['bond: { mode: 1, miimon: 1e308 }', 'steps: [build]'],
      'bond.miimon',
      /at most 2147483647; got 1e\+308/,
    ],
    ['miimon: .inf', ['bond: { mode: 1, miimon: .inf }', 'steps: [build]'], 'bond.miimon', /type integer; got \.inf/],
    [
      'miimon: 99999999999999999999',
      ['bond: { mode: 1, miimon: 99999999999999999999 }', 'steps: [build]'],
      'bond.miimon',
      /at most 2147483647/,
    ],
    [
      'linkRate: 0kbit',
      ['bond: { mode: 1 }', 'topology: { linkRate: 0kbit }', 'steps: [build]'],
      'topology.linkRate',
      /a rate such as 100mbit .*; got "0kbit"/,
    ],
    [
      'arp_ip_target: 999.999.999.999',
      ['bond: { mode: 1, arp_interval: 100, arp_ip_target: [999.999.999.999] }', 'steps: [build]'],
      'bond.arp_ip_target[0]',
      /an IPv4 address/,
    ],
    [
      'maxLoss: 250%',
      ['bond: { mode: 1 }', 'steps: [build, traffic: stop, { expect: { traffic: { maxLoss: 250% } } }]'],
      'steps[2].expect.traffic.maxLoss',
      /from 0% to 100%/,
    ],
    [
      'kernel: debian:nope',
      ['kernel: debian:nope', 'bond: { mode: 1 }', 'steps: [build]'],
      'kernel',
      /expected a kernel spec: debian:bookworm, .*; got "debian:nope"/,
    ],
    [
      'a kernel in the matrix',
      ['bond: { mode: 1 }', 'matrix: { kernel: [debian:sid, linux-6.1] }', 'steps: [build]'],
      'matrix.kernel[1]',
      /expected a kernel spec/,
    ],
    [
      'miimon: .nan',
      ['bond: { mode: 1, miimon: .nan }', 'steps: [build]'],
      'bond.miimon',
      /^not a number \(\.nan\); expected/,
    ],
    [
      'a mode claim naming no matrix key',
      ['bond: { mode: 1 }', 'steps: [build, { expect: { mode: "${mod}" } }]'],
      'steps[1].expect.mode',
      /names no matrix of modes/,
    ],
    [
      'YAML 1.1 booleans (yes stays a text)',
      ['bond: { mode: 1, use_carrier: yes }', 'steps: [build]'],
      'bond.use_carrier',
      /one of 0, 1; got "yes"/,
    ],
  ];
  for (const [what, lines, field, message] of broken) {
    it(`refuses ${what}`, () => {
      const { cases, errors } = loadScenarioText(
        what.startsWith('YAML 1.1') ? `%YAML 1.1\n---\n${scenario(lines)}` : scenario(lines),
        'bad.yaml',
      );
      expect(cases).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ file: 'bad.yaml', field });
      expect(errors[0]?.line).toBeGreaterThan(1);
      expect(errors[0]?.message).toMatch(message);
    });
  }

  // The driver's tables (bond_options.c) and target checks (bonding.h): mode, values taken, values refused.
  const sixteen = Array.from({ length: 16 }, (_, i) => `10.0.0.${i + 1}`);
  const ranges: [string, number, string[], string[]][] = [
    ['miimon', 1, ['0', '2147483647'], ['-1', '2147483648', '1.5']],
    ['updelay', 1, ['2147483647'], ['2147483648']],
    ['arp_interval', 1, ['0', '2147483647'], ['2147483648']],
    ['peer_notif_delay', 1, ['300000'], ['300001']],
    ['packets_per_slave', 0, ['0', '65535'], ['65536', '-1']],
    ['resend_igmp', 1, ['0', '255'], ['256']],
    ['num_grat_arp', 1, ['255'], ['256']],
    ['num_unsol_na', 1, ['255'], ['256']],
    ['arp_missed_max', 1, ['1', '255'], ['0', '256']],
    ['min_links', 4, ['2147483647'], ['2147483648']],
    ['lp_interval', 5, ['1', '2147483647'], ['0']],
    ['ad_actor_sys_prio', 4, ['1', '65535'], ['0', '65536']],
    ['ad_user_port_key', 4, ['0', '1023'], ['1024']],
    ['tlb_dynamic_lb', 5, ['0', '1'], ['2']],
    ['ad_actor_system', 4, ['"02:00:00:00:00:01"'], ['"01:00:5e:00:00:01"', '"02:00:00:00:00"']],
    [
      'arp_ip_target',
      1,
      [`[${sixteen.join(', ')}]`, '[arp-target, 192.0.2.1]'],
      [
        `[${[...sixteen, '10.0.1.1'].join(', ')}]`,
        '[0.0.0.0]',
        '[0.1.2.3]',
        '[255.255.255.255]',
        '[10.0.0.1, 10.0.0.1]',
        '[256.1.1.1]',
      ],
    ],
    [
      'ns_ip6_target',
      1,
      ['["fd00::1", "2001:db8::1"]'],
      ['["::"]', '["::1"]', '["ff02::1"]', '["fe80::1%eth0"]', '["10.0.0.1"]', '["fd00::1", "fd00::1"]'],
    ],
  ];
  for (const [option, mode, good, bad] of ranges) {
    it(`${option}: takes ${good.join(' and ')}, refuses ${bad.join(' and ')}`, () => {
      for (const value of good) {
        const { errors } = loadScenarioText(
          scenario([`bond: { mode: ${mode}, ${option}: ${value} }`, 'steps: [build]']),
          'ok.yaml',
        );
        expect(errors, `${option}: ${value}`).toEqual([]);
      }
      for (const value of bad) {
        const { errors } = loadScenarioText(
          scenario([`bond: { mode: ${mode}, ${option}: ${value} }`, 'steps: [build]']),
          'bad.yaml',
        );
        expect(errors, `${option}: ${value}`).toHaveLength(1);
        expect(errors[0]?.field.startsWith(`bond.${option}`), `${option}: ${value} -> ${errors[0]?.field}`).toBe(true);
      }
    });
  }

  it('holds matrix values to the same ranges, at their own place', () => {
    const { errors } = loadScenarioText(
      scenario(['bond: { mode: 1 }', 'matrix: { miimon: [100, 2147483648] }', 'steps: [build]']),
      'm.yaml',
    );
    expect(errors).toEqual([expect.objectContaining({ field: 'matrix.miimon[1]', line: 3, column: 25 })]);
  });

  it('takes a duration text exactly when it is at most an hour', () => {
    const waits = fc.record({
      whole: fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 3_500_000, max: 3_700_000 }), fc.nat()),
      fraction: fc.option(fc.stringMatching(/^\d{1,6}$/)),
      unit: fc.constantFrom('ms', 's'),
    });
    fc.assert(
      fc.property(waits, ({ whole, fraction, unit }) => {
        const text = `${whole}${fraction === null ? '' : `.${fraction}`}${unit}`;
        const { errors } = loadScenarioText(
          scenario(['bond: { mode: 1 }', `steps: [build, { wait: "${text}" }]`]),
          'd.yaml',
        );
        const ms = Number(text.replace(/m?s$/, '')) * (unit === 's' ? 1000 : 1);
        expect(errors.length === 0, text).toBe(ms <= LIMITS.durationMs);
        if (errors.length === 0) expect(parseDuration(text)).toBeLessThanOrEqual(LIMITS.durationMs);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the tag of a !!binary value once, instead of its bytes as unknown keys', () => {
    const { errors } = loadScenarioText(
      scenario(['bond: !!binary aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=', 'steps: [build]']),
      'b.yaml',
    );
    expect(errors).toEqual([
      {
        file: 'b.yaml',
        line: 2,
        column: 16,
        field: 'bond',
        message: expect.stringMatching(/^YAML tag !!binary is not accepted/),
      },
    ]);
    const custom = loadScenarioText(scenario(['bond: { mode: !custom 1 }', 'steps: [build]']), 'c.yaml');
    expect(custom.errors).toEqual([
      expect.objectContaining({ field: 'bond.mode', message: expect.stringMatching(/^YAML tag !custom/) }),
    ]);
  });

  it('places an alias bomb and an alias without anchor at the alias', () => {
    const bomb = [
      'bond: { mode: 1 }',
      'description: &a [x, x, x, x, x, x, x, x, x, x]',
      'x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'x3: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'steps: [build]',
    ];
    const exploded = loadScenarioText(scenario(bomb), 'bomb.yaml');
    expect(exploded.errors).toEqual([
      expect.objectContaining({
        file: 'bomb.yaml',
        line: 4,
        field: 'x1[0]',
        message: expect.stringMatching(/aliases expand to more than 100 nodes/),
      }),
    ]);
    const dangling = loadScenarioText(scenario(['bond: *nothing', 'steps: [build]']), 'alias.yaml');
    expect(dangling.errors).toEqual([
      {
        file: 'alias.yaml',
        line: 2,
        column: 7,
        field: 'bond',
        message: 'YAML: the alias *nothing names no anchor (&nothing) before it',
      },
    ]);
  });

  it('answers nesting too deep for the parser with a located error', () => {
    const { errors } = loadScenarioText(
      scenario([`bond: ${'['.repeat(5000)}${']'.repeat(5000)}`, 'steps: [build]']),
      'deep.yaml',
    );
    expect(errors).toEqual([
      expect.objectContaining({ file: 'deep.yaml', line: 2, message: expect.stringMatching(/^YAML: /) }),
    ]);
  });

  it('lists at most 100 errors of one file and counts the rest', () => {
    const steps = Array.from({ length: 150 }, () => '  - unplug: slave0');
    const { errors } = loadScenarioText(scenario(['bond: { mode: 1 }', 'steps:', ...steps]), 'many.yaml');
    expect(errors).toHaveLength(LIMITS.errorsPerFile + 1);
    expect(errors.at(-1)).toMatchObject({ file: 'many.yaml', message: '50 more error(s) in this file not shown' });
  });

  describe('files', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bondlab-load-'));
      await writeFile(
        join(dir, 'a-good.yaml'),
        scenario(['bond: { mode: 1 }', 'steps: [build]']).replace('name: x', 'name: good'),
      );
      await writeFile(join(dir, 'big.yaml'), `# ${'x'.repeat(LIMITS.fileBytes)}\n`);
      await writeFile(join(dir, 'binary.yaml'), scenario(['bond: !!binary aGVsbG8=', 'steps: [build]']));
      await writeFile(join(dir, 'dangling.yaml'), scenario(['bond: *nothing', 'steps: [build]']));
      await execa('mkfifo', [join(dir, 'fifo.yaml')]);
      await mkdir(join(dir, 'real'));
      await symlink(join(dir, 'real'), join(dir, 'linked-dir.yaml'));
      await symlink('/dev/zero', join(dir, 'zero.yaml'));
      await symlink(join(dir, 'missing'), join(dir, 'broken.yaml'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads only regular files of at most 1 MiB, and names each file it refuses while loading the others', async () => {
      const { cases, errors } = await loadScenarioFiles([dir]);
      expect(cases.map((c) => c.name)).toEqual(['good']);
      const byFile = Object.fromEntries(errors.map((error) => [error.file.slice(dir.length + 1), error.message]));
      expect(byFile).toEqual({
        'big.yaml': `${LIMITS.fileBytes + 3} bytes; a scenario file may have at most ${LIMITS.fileBytes}`,
        'binary.yaml': expect.stringMatching(/^YAML tag !!binary/),
        'broken.yaml': 'no such file or directory',
        'dangling.yaml': expect.stringMatching(/names no anchor/),
        'fifo.yaml': 'a FIFO, not a scenario file',
        'linked-dir.yaml': 'a directory, not a scenario file',
        'zero.yaml': 'a character device, not a scenario file',
      });
    });

    it('refuses /dev/zero named on its own', async () => {
      const { errors } = await loadScenarioFiles(['/dev/zero']);
      expect(errors).toEqual([
        { file: '/dev/zero', line: 0, column: 0, field: '', message: 'a character device, not a scenario file' },
      ]);
    });
  });
});
