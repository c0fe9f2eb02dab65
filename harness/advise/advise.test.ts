import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { reviveNanos, type RunResult } from '../runner/results.js';
import { DEFAULT_CONSTRAINTS, parseConstraints, type Constraints } from './constraints.js';
import type { Advice } from './advice.js';
import { advise } from './rank.js';
import { adviceMarkdown, adviceSection, adviceText } from './render.js';

/** A real `bondlab matrix` run (fixtures/matrix/README.md says how it was made). */
const FIXTURE = 'fixtures/matrix/bookworm-6.1-tcg.results.json';
const run = reviveNanos(JSON.parse(readFileSync(join(packageRoot(), FIXTURE), 'utf8'))) as RunResult;

function adviceFor(yaml: string): Advice {
  const parsed = parseConstraints(yaml, 'test.yaml');
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors));
  const advice = advise(parsed.constraints, run, FIXTURE);
  if ('error' in advice) throw new Error(advice.error);
  return advice;
}

/**
 * Constraint sets and the answer the kernel's bonding documentation gives for each
 * (Documentation/networking/bonding.rst, section in `section`).
 */
const TABLE: { name: string; yaml: string; first: string[]; section: string; option?: [string, string] }[] = [
  {
    name: 'LACP switch, many flows, single-flow speed not required, no reordering',
    yaml: 'switch: lacp\nspreadTransmit: true\nreordering: forbidden',
    first: ['802.3ad'],
    section: '12.1.1 MT Bonding Mode Selection for Single Switch Topology (802.3ad)',
    option: ['xmit_hash_policy', 'layer3+4'],
  },
  {
    name: 'no switch support, no reordering',
    yaml: 'switch: none\nreordering: forbidden',
    first: ['active-backup', 'balance-alb'],
    section: '11.2.1 HA Bonding Mode Selection for Multiple Switch Topology',
  },
  {
    name: 'one flow faster than one link, static aggregation, reordering tolerated',
    yaml: 'switch: static\nsingleFlowFaster: true\nreordering: allowed',
    first: ['balance-rr'],
    section: '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-rr)',
  },
  {
    name: 'no switch support, traffic in must be spread',
    yaml: 'switch: none\nspreadReceive: true',
    first: ['balance-alb'],
    section: '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-alb)',
  },
  {
    name: 'no switch support, no duplicates, a pulled cable within 1 s',
    yaml: 'switch: none\nduplicates: forbidden\nmaxOutage: { cablePull: 1s }',
    first: ['active-backup'],
    section: '11.2.1 HA Bonding Mode Selection for Multiple Switch Topology',
  },
  {
    name: 'no switch support, a failure beyond the switch (carrier stays up) within 1 s, ARP target available',
    yaml: 'switch: none\nmaxOutage: { switchFailure: 1s }\nmonitoring: [mii, arp]',
    first: ['active-backup'],
    section: '11.2.2 HA Link Monitoring Selection for Multiple Switch Topology',
    option: ['arp_validate', 'all'],
  },
  {
    name: 'static aggregation, many flows, no reordering or duplicates, ARP monitoring only',
    yaml: 'switch: static\nspreadTransmit: true\nreordering: forbidden\nduplicates: forbidden\nmonitoring: [arp]',
    first: ['balance-xor'],
    section: '12.1.1 MT Bonding Mode Selection for Single Switch Topology (balance-tlb, balance-alb)',
    option: ['xmit_hash_policy', 'layer3+4'],
  },
  {
    name: 'LACP switch, a silent partner detected within 4 s, MII only',
    yaml: 'switch: lacp\nmaxOutage: { switchFailure: 4s }\nmonitoring: [mii]',
    first: ['802.3ad'],
    section: '2. Bonding Driver Options: lacp_rate',
    option: ['lacp_rate', 'fast'],
  },
];

describe('bondlab advise against a recorded mode matrix', () => {
  it.each(TABLE)('$name: first choice $first', ({ yaml, first, section, option }) => {
    const advice = adviceFor(yaml);
    const top = advice.ranking[0];
    expect(first).toContain(top?.mode);
    expect(top?.fits).toBe(true);
    const evidence = top?.reasons.flatMap((r) => r.evidence) ?? [];
    // Measured evidence, cited from the fixture's own cells...
    const measured = evidence.filter((e) => e.kind === 'measured');
    expect(measured.length).toBeGreaterThan(0);
    for (const cell of measured) {
      expect(cell).toMatchObject({
        mode: top?.mode,
        results: FIXTURE,
        case: `mode-matrix[mode=${top?.mode}]`,
        kernel: 'vm (6.1.0-57-amd64, tcg)',
      });
    }
    // ...and the documentation's reason, marked as documentation, somewhere in the ranking.
    const documented = advice.ranking
      .flatMap((m) => [...m.reasons.flatMap((r) => r.evidence), ...m.options.flatMap((o) => o.evidence)])
      .filter((e) => e.kind === 'documentation');
    expect(documented.map((e) => e.section)).toContain(section);
    if (option) expect(top?.options).toContainEqual(expect.objectContaining({ option: option[0], value: option[1] }));
    expect(advice.ranking.map((m) => m.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('cites the measured value of the cell it judged', () => {
    const advice = adviceFor('switch: none\nmaxOutage: { cablePull: 200ms }');
    const tlb = advice.ranking.find((m) => m.mode === 'balance-tlb');
    const outage = tlb?.reasons.find((r) => r.effect === 'rules-out' && r.text.includes('pulled cable'));
    expect(outage?.evidence[0]).toMatchObject({ kind: 'measured', measurement: 'outageLinkLossMs', value: 639.497 });
    expect(tlb?.fits).toBe(false);
  });

  it('says when no mode meets every constraint, and ranks the one missing least first', () => {
    const advice = adviceFor('switch: none\nsingleFlowFaster: true');
    expect(advice.ranking.every((m) => !m.fits)).toBe(true);
    expect(adviceText(advice)).toContain('No mode meets every constraint');
  });

  it('marks a measurement the run does not have as unmeasured, never as met', () => {
    const partial: RunResult = { ...run, cases: run.cases.filter((c) => c.parameters.mode !== 'balance-alb') };
    const advice = advise({ ...DEFAULT_CONSTRAINTS, spreadReceive: true }, partial, 'partial.json');
    if ('error' in advice) throw new Error(advice.error);
    const alb = advice.ranking.find((m) => m.mode === 'balance-alb');
    expect(alb?.fits).toBe(false);
    expect(alb?.reasons.some((r) => r.effect === 'unmeasured')).toBe(true);
  });

  it('refuses a run without a mode matrix', () => {
    expect(advise(DEFAULT_CONSTRAINTS, { ...run, cases: [] }, 'empty.json')).toMatchObject({
      error: expect.stringContaining('no mode-matrix case'),
    });
  });

  it('renders text, Markdown and an HTML section that say which statements are documentation', () => {
    const advice = adviceFor('switch: lacp\nspreadTransmit: true');
    expect(adviceText(advice)).toMatch(/^1\. 802\.3ad \(fits\)/m);
    expect(adviceText(advice)).toContain('[documentation: bonding.rst "12.1.1');
    expect(adviceText(advice)).toContain(
      `[measured: 802.3ad, slaves carrying 8 flows out = 2, case mode-matrix[mode=802.3ad], ${FIXTURE}]`,
    );
    expect(adviceMarkdown(advice)).toContain('| 1 | 802.3ad | fits |');
    expect(adviceSection(advice)).toContain('<section class="panel" id="advice">');
    expect(JSON.parse(JSON.stringify(advice))).toEqual(advice);
  });
});

describe('constraints files', () => {
  const errors = (yaml: string) => {
    const parsed = parseConstraints(yaml, 'mine.yaml');
    return 'errors' in parsed ? parsed.errors : [];
  };

  it('reads every field, durations in ms', () => {
    const parsed = parseConstraints(
      'switch: lacp\nsingleFlowFaster: false\nspreadTransmit: true\nspreadReceive: true\nreordering: forbidden\nduplicates: forbidden\nmaxOutage: { cablePull: 300ms, switchFailure: 2s }\nmonitoring: [mii, arp]\n',
      'x.yaml',
    );
    expect(parsed).toEqual({
      constraints: {
        switch: 'lacp',
        singleFlowFaster: false,
        spreadTransmit: true,
        spreadReceive: true,
        reordering: 'forbidden',
        duplicates: 'forbidden',
        maxOutageCablePullMs: 300,
        maxOutageSwitchFailureMs: 2000,
        monitoring: ['mii', 'arp'],
      } satisfies Constraints,
    });
    expect(parseConstraints('', 'empty.yaml')).toEqual({ constraints: DEFAULT_CONSTRAINTS });
  });

  it('names file, line, column and field of each mistake', () => {
    expect(errors('switch: lacp\nreordering: sometimes\n')).toEqual([
      { file: 'mine.yaml', line: 2, column: 13, field: 'reordering', message: 'must be one of allowed, forbidden' },
    ]);
    expect(errors('switch: none\nmaxOutage:\n  cablePull: soon\n')).toEqual([
      expect.objectContaining({
        line: 3,
        column: 14,
        field: 'maxOutage.cablePull',
        message: expect.stringContaining('duration'),
      }),
    ]);
    expect(errors('switch: none\nswitches: lacp\n')).toEqual([
      expect.objectContaining({
        line: 2,
        column: 1,
        field: 'switches',
        message: expect.stringContaining('unknown field "switches"'),
      }),
    ]);
    expect(errors('monitoring: [mii, snmp]\n')).toEqual([
      expect.objectContaining({ line: 1, column: 19, field: 'monitoring[1]' }),
    ]);
    expect(errors('switch: [lacp\n')[0]).toMatchObject({
      line: 2,
      field: '',
      message: expect.stringContaining('YAML'),
    });
  });
});
