import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProcBonding } from './proc.js';

const external = 'fixtures/proc-net-bonding/external';
const externalDir = join(process.cwd(), external);
const kernelsDir = join(process.cwd(), 'fixtures', 'kernels');
const eraDir = join(process.cwd(), 'fixtures', 'proc');

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Expected values per fixture: mode, active slave (undefined: the mode has none), slave states. */
const EXTERNAL: Record<string, { mode: string; active?: string | null; slaves: string }> = {
  '001-balance-rr-insights-core.txt': { mode: 'balance-rr', slaves: 'eno1:up eno2:up' },
  '002-802.3ad-insights-core.txt': { mode: '802.3ad', slaves: 'eth1:up eth2:up' },
  '003-802.3ad-insights-core.txt': { mode: '802.3ad', slaves: 'eth1:up eth2:up' },
  '004-balance-xor-insights-core.txt': { mode: 'balance-xor', slaves: 'eno1:up eno2:up' },
  '005-active-backup-insights-core.txt': {
    mode: 'active-backup',
    active: 'enp17s0f0',
    slaves: 'enp17s0f0:up enp17s0f1:up',
  },
  '006-active-backup-insights-core.txt': { mode: 'active-backup', active: 'em3', slaves: 'em3:up p2p3:up' },
  '007-802.3ad-insights-core.txt': { mode: '802.3ad', slaves: 'enp0s9:up enp0s8:down' },
  '008-802.3ad-insights-core.txt': { mode: '802.3ad', slaves: 'ens10:up ens11:down' },
  '009-802.3ad-telegraf.txt': { mode: '802.3ad', slaves: 'eth1:up eth2:up' },
  '010-active-backup-telegraf.txt': { mode: 'active-backup', active: 'eth2', slaves: 'eth3:down eth2:up' },
  '011-802.3ad-telegraf.txt': { mode: '802.3ad', slaves: 'eth0:up eth1:up' },
  '012-802.3ad-telegraf.txt': { mode: '802.3ad', slaves: 'eth0:up eth1:down' },
  '030-balance-rr-subscription-manager.txt': { mode: 'balance-rr', slaves: 'eth0:up eth1:up' },
  '031-balance-alb-subscription-manager.txt': { mode: 'balance-alb', active: 'eth0', slaves: 'eth0:up eth1:up' },
};

/** Files whose damage is deliberate: the reader keeps the bad lines as unknown. */
const DAMAGED: Record<string, number> = { '003-802.3ad-insights-core.txt': 1 };

function slaveLine(text: string): string {
  return parseProcBonding(text)
    .status.slaves.map((s) => `${s.name}:${s.miiStatus}`)
    .join(' ');
}

describe(`/proc/net/bonding texts from other projects (${external})`, () => {
  const files = readdirSync(externalDir).filter((f) => f.endsWith('.txt'));
  it('covers every external fixture with expectations', () => {
    expect(files.sort()).toEqual(Object.keys(EXTERNAL).sort());
  });
  for (const file of files) {
    it(`reads ${file}`, () => {
      const text = read(join(externalDir, file));
      const { status, unknownLines } = parseProcBonding(text);
      const want = EXTERNAL[file];
      expect(status.mode?.name).toBe(want?.mode);
      expect(status.activeSlave).toBe(want?.active);
      expect(slaveLine(text)).toBe(want?.slaves);
      expect(unknownLines).toHaveLength(DAMAGED[file] ?? 0);
      expect(status.driver?.version).toMatch(/^3\.\d+\.\d+$/);
    });
  }

  it('reads the 802.3ad aggregator block and per-slave aggregator IDs of an old driver', () => {
    const { status } = parseProcBonding(read(join(externalDir, '002-802.3ad-insights-core.txt')));
    expect(status.ad?.activeAggregator?.id).toBeGreaterThan(0);
    expect(status.slaves.map((s) => s.aggregatorId)).toEqual([3, 2]);
  });
});

describe('/proc/net/bonding texts recorded from real kernels (fixtures/kernels)', () => {
  for (const release of readdirSync(kernelsDir)) {
    for (const name of readdirSync(join(kernelsDir, release))) {
      it(`reads ${release}/${name} with no unknown lines`, () => {
        const dir = join(kernelsDir, release, name);
        const meta = JSON.parse(read(join(dir, 'meta.json'))) as {
          bond: { mode: string; options: Record<string, unknown> };
          topology: { slaves: number };
        };
        const { status, unknownLines, diagnostics } = parseProcBonding(read(join(dir, 'proc.txt')));
        expect(unknownLines).toEqual([]);
        expect(diagnostics).toEqual([]);
        expect(status.mode?.name).toBe(meta.bond.mode);
        expect(status.driver?.kernelRelease).toBe(release);
        expect(status.miimon).toBe(meta.bond.options.miimon ?? 0);
        expect(status.slaves).toHaveLength(name === 'no-slaves' ? 0 : meta.topology.slaves);
        if (name === 'slave-down') {
          expect(status.activeSlave).toBe('eth1');
          expect(status.slaves.map((s) => [s.name, s.miiStatus, s.linkFailureCount])).toEqual([
            ['eth0', 'down', 1],
            ['eth1', 'up', 0],
          ]);
        }
        if (name === 'primary') {
          expect(status).toMatchObject({
            primary: 'eth1',
            primaryReselect: 'better',
            activeSlave: 'eth1',
            updelay: 200,
            downdelay: 100,
          });
        }
        if (name === 'arp-monitor') {
          expect(status).toMatchObject({
            arpInterval: 100,
            arpIpTargets: [expect.stringMatching(/^198\.18\.\d+\.254$/)],
          });
        }
        if (meta.bond.mode === '802.3ad') {
          const aggregator = status.ad?.activeAggregator;
          expect(aggregator?.numberOfPorts).toBe(meta.topology.slaves);
          expect(aggregator?.partnerMac).toMatch(/^(?!00:00:00:00:00:00)[0-9a-f:]{17}$/);
          for (const slave of status.slaves) {
            expect(slave.aggregatorId).toBe(aggregator?.id);
            expect(slave.actor?.portStateFlags).toMatchObject({
              collecting: true,
              distributing: true,
              synchronization: true,
              aggregation: true,
            });
            expect(slave.partner?.systemMac).toBe(aggregator?.partnerMac);
          }
        }
        if (name === 'lacp-fast-l34') {
          expect(status.xmitHashPolicy).toEqual({ name: 'layer3+4', number: 1 });
          expect(status.ad).toMatchObject({ lacpRate: 'fast', adSelect: 'bandwidth', minLinks: 1 });
          expect(status.slaves[0]?.actor?.portStateFlags?.lacpTimeout).toBe(true);
        }
      });
    }
  }
});

describe('older eras written from the documented formats (fixtures/proc)', () => {
  it('reads a 2.x driver without blank lines or Speed/Duplex', () => {
    const { status, unknownLines } = parseProcBonding(read(join(eraDir, 'v2.6.0-active-backup.txt')));
    expect(unknownLines).toEqual([]);
    expect(status.driver).toMatchObject({ version: '2.6.0', date: 'January 14, 2004' });
    expect(status.mode?.name).toBe('active-backup');
    expect(status.activeSlave).toBe('eth0');
    expect(status.slaves.map((s) => [s.name, s.miiStatus, s.linkFailureCount, s.speed])).toEqual([
      ['eth0', 'up', 0, undefined],
      ['eth1', 'down', 2, undefined],
    ]);
  });

  it('reads a v3.1.2 802.3ad text pasted from a ticket with CRLF and spaces before the aggregator lines', () => {
    const { status, unknownLines } = parseProcBonding(read(join(eraDir, 'v3.1.2-802.3ad-ticket.txt')));
    expect(unknownLines).toEqual([]);
    expect(status.ad?.activeAggregator).toEqual({
      id: 2,
      numberOfPorts: 2,
      actorKey: 17,
      partnerKey: 33,
      partnerMac: '00:1b:54:aa:3c:80',
    });
    expect(status.slaves.map((s) => s.aggregatorId)).toEqual([2, 2]);
  });

  it('reads a v3.4.0 text with ARP targets, the fail_over_mac suffix and a slave going down', () => {
    const { status, unknownLines } = parseProcBonding(read(join(eraDir, 'v3.4.0-active-backup-arp.txt')));
    expect(unknownLines).toEqual([]);
    expect(status).toMatchObject({
      failOverMac: 'active',
      primary: 'eth2',
      activeSlave: 'eth3',
      arpInterval: 250,
      arpIpTargets: ['10.0.0.1', '10.0.0.2'],
    });
    expect(status.slaves[0]?.miiStatus).toBe('going down');
  });
});

describe('texts cut off or pasted together', () => {
  const lacp = read(join(kernelsDir, '6.1.0-56-amd64', 'mode-802.3ad', 'proc.txt'));
  const errors = (text: string) =>
    parseProcBonding(text)
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => d.message);
  const warnings = (text: string) =>
    parseProcBonding(text)
      .diagnostics.filter((d) => d.severity === 'warning')
      .map((d) => d.message);
  const firstLines = (text: string, count: number) => `${text.split('\n').slice(0, count).join('\n')}\n`;

  it('reads a thousand pasted texts as the first bond, and says how many were pasted', () => {
    const { status, diagnostics } = parseProcBonding(lacp.repeat(1000));
    expect(status.slaves.map((s) => s.name)).toEqual(['eth0', 'eth1']);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message: expect.stringMatching(
          /^1000 bonds' texts pasted together \(they begin at lines 1, 78, 155, 232, 309, \.\.\.\); only the first, up to line 77, is read/,
        ),
      },
    ]);
  });

  it('tells pasted texts apart when their driver lines are missing', () => {
    const withoutDriver = lacp.replace(/^Ethernet Channel Bonding Driver.*\n/, '');
    expect(errors(withoutDriver + withoutDriver)[0]).toMatch(/^2 bonds' texts pasted together/);
  });

  it('says a text ends mid-line when its last line is cut and has no newline', () => {
    const cut = lacp.slice(0, lacp.indexOf('MII Status', lacp.indexOf('Slave Interface: eth1')) + 'MII Statu'.length);
    expect(errors(cut)).toEqual([
      expect.stringMatching(/^the text ends mid-line \("MII Statu", no newline\): it was cut off/),
    ]);
    expect(errors(`${cut}s: up`)).toEqual([
      expect.stringMatching(/^the text ends inside slave eth1's block \(after "MII Status"\)/),
    ]);
  });

  it('says a text ends inside a slave block, or before the bond MII line', () => {
    expect(errors(firstLines(lacp, 28))).toEqual([
      expect.stringMatching(/^the text ends inside slave eth0's block \(after "Duplex"\)/),
    ]);
    expect(errors(firstLines(lacp, 40))).toEqual([
      expect.stringMatching(/^the text ends inside slave eth0's block \(after "port key"\)/),
    ]);
    expect(errors(firstLines(lacp, 4))).toEqual([
      expect.stringMatching(/^the text ends before the bond's MII Status line/),
    ]);
  });

  it('warns when the last slave block is shorter than the first, or the aggregator has more ports than are listed', () => {
    const lines = lacp.split('\n');
    const eth1 = lines.indexOf('Slave Interface: eth1');
    expect(warnings(firstLines(lacp, eth1 + 8))).toEqual([
      expect.stringMatching(/^slave eth1's block ends early \(after "Aggregator ID"\) where slave eth0's goes on/),
    ]);
    // An 802.3ad slave without an aggregator really ends there.
    const unaggregated = `${firstLines(lacp, eth1 + 7)}Aggregator ID: N/A\n`;
    expect(warnings(unaggregated)).toEqual([
      expect.stringMatching(/^the active aggregator 1 has 2 ports, but 1 slave\(s\) in it are listed/),
    ]);
    expect(warnings(firstLines(lacp, 32))).toEqual([
      expect.stringMatching(
        /^the active aggregator 1 has 2 ports, but 1 slave\(s\) in it are listed: the text may have been cut off/,
      ),
    ]);
    const ab = read(join(kernelsDir, '6.1.0-56-amd64', 'mode-active-backup', 'proc.txt'));
    expect(warnings(ab.slice(0, ab.lastIndexOf('Slave queue ID')))).toEqual([
      expect.stringMatching(/^slave eth1's block ends early \(after "Permanent HW addr"\) where slave eth0's goes on/),
    ]);
  });

  it('does not call whole texts cut, with or without a final newline', () => {
    for (const text of corpusFiles().map(read)) {
      expect(errors(text)).toEqual([]);
      // A last line that is a label without its value and no newline reads as cut after the label.
      if (!text.trimEnd().endsWith(':')) expect(errors(text.trimEnd())).toEqual([]);
      else expect(errors(text.trimEnd())).toEqual([expect.stringMatching(/^the text ends mid-line/)]);
    }
  });
});

function corpusFiles(): string[] {
  const kernels = readdirSync(kernelsDir).flatMap((release) =>
    readdirSync(join(kernelsDir, release)).map((name) => join(kernelsDir, release, name, 'proc.txt')),
  );
  const external = readdirSync(externalDir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => join(externalDir, f));
  return [
    ...kernels,
    ...external,
    ...readdirSync(eraDir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => join(eraDir, f)),
  ];
}

describe('robustness', () => {
  it('keeps lines it does not know, with their numbers', () => {
    const { unknownLines, status } = parseProcBonding('Bonding Mode: load balancing (xor)\nFrobnication Level: 11\n');
    expect(status.mode?.name).toBe('balance-xor');
    expect(unknownLines).toEqual([{ line: 2, text: 'Frobnication Level: 11' }]);
  });

  it('says so when the text is not bonding at all', () => {
    const { diagnostics } = parseProcBonding('hello world');
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  const corpus = [
    ...readdirSync(externalDir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => read(join(externalDir, f))),
    ...readdirSync(eraDir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => read(join(eraDir, f))),
  ];
  it('never throws on mutated fixtures (property)', () => {
    const mutation = fc.record({
      file: fc.nat({ max: corpus.length - 1 }),
      edits: fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
          fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
          fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary' }) }),
          fc.record({ op: fc.constant('crlf' as const), at: fc.nat() }),
        ),
        { maxLength: 8 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ file, edits }) => {
        let lines = (corpus[file] ?? '').split('\n');
        for (const edit of edits) {
          const at = lines.length ? edit.at % lines.length : 0;
          if (edit.op === 'delete') lines.splice(at, 1);
          if (edit.op === 'duplicate') lines.splice(at, 0, lines[at] ?? '');
          if (edit.op === 'truncate') lines[at] = (lines[at] ?? '').slice(0, (lines[at] ?? '').length >> 1);
          if (edit.op === 'insert') lines.splice(at, 0, edit.text);
          if (edit.op === 'crlf') lines = lines.map((l) => `${l}\r`);
        }
        const result = parseProcBonding(lines.join('\n'));
        expect(Array.isArray(result.status.slaves)).toBe(true);
        expect(Array.isArray(result.unknownLines)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
