/**
 * Every fault kind: its YAML value translates, its commands target what it names, and it describes
 * itself. The table is typed over the kinds: a new kind without its row does not compile.
 */
import { describe, expect, it } from 'vitest';
import { buildScript } from '../topology/topology.js';
import { faultCommands } from './faults.js';
import { FAULTS, type Fault, type FaultKind } from './registry.js';

const { topology: built } = buildScript({
  runId: 'unit',
  caseIndex: 0,
  bond: { mode: 'active-backup', options: { arp_interval: 100 } },
  topology: { slaves: 2, farSide: 'switch', clients: 1, arpTarget: true },
});
const topology = { ...built, dut: { ...built.dut, holderPid: 1 } };

/** For each kind: a YAML value, the fault it becomes, the slave it is resolved to, and a text its command runs. */
const ROWS: {
  [K in FaultKind]: {
    yaml: unknown;
    fault: Extract<Fault, { kind: K }>;
    slave?: string;
    runs: string;
    describe: string;
  };
} = {
  detach: {
    yaml: { slave: 'slave1', method: 'sysfs' },
    fault: { kind: 'detach', slave: { index: 1 }, method: 'sysfs' },
    slave: 'eth1',
    runs: 'echo -eth1 > /sys/class/net/bond0/bonding/slaves',
    describe: 'detach slave1 with sysfs',
  },
  attach: {
    yaml: 'slave0',
    fault: { kind: 'attach', slave: { index: 0 }, method: 'ip' },
    slave: 'eth0',
    runs: 'link set eth0 master bond0',
    describe: 'attach slave0 with ip',
  },
  'link-down': {
    yaml: 'active',
    fault: { kind: 'link-down', slave: { active: true } },
    slave: 'eth0',
    runs: 'link set eth0 down',
    describe: 'link-down the active slave (the first, in modes without one)',
  },
  'link-up': {
    yaml: { slave: 'slave0' },
    fault: { kind: 'link-up', slave: { index: 0 } },
    slave: 'eth0',
    runs: 'link set eth0 up',
    describe: 'link-up slave0',
  },
  'carrier-off': {
    yaml: 'slave1',
    fault: { kind: 'carrier-off', slave: { index: 1 } },
    slave: 'eth1',
    runs: 'link set p1 down',
    describe: 'carrier-off slave1',
  },
  'carrier-on': {
    yaml: 'slave1',
    fault: { kind: 'carrier-on', slave: { index: 1 } },
    slave: 'eth1',
    runs: 'link set p1 up',
    describe: 'carrier-on slave1',
  },
  flap: {
    yaml: { slave: 'slave0', count: 2, interval: '50ms' },
    fault: { kind: 'flap', slave: { index: 0 }, count: 2, intervalMs: 50 },
    slave: 'eth0',
    runs: 'for i in $(seq 2); do ip link set p0 down; sleep 0.050',
    describe: 'flap slave0',
  },
  'arp-target-loss': {
    yaml: 'drop',
    fault: { kind: 'arp-target-loss', how: 'drop' },
    runs: 'matchall action drop',
    describe: 'arp-target-loss',
  },
  'arp-target-restore': {
    yaml: null,
    fault: { kind: 'arp-target-restore' },
    runs: 'addr replace ',
    describe: 'arp-target-restore',
  },
};

describe('every fault kind', () => {
  for (const [kind, row] of Object.entries(ROWS) as [FaultKind, (typeof ROWS)[FaultKind]][]) {
    it(`${kind}: translates, runs its command and describes itself`, () => {
      const definition = FAULTS[kind] as unknown as (typeof FAULTS)['flap'];
      expect(definition.translate(row.yaml)).toEqual(row.fault);
      const commands = faultCommands(topology, row.fault, row.slave);
      expect(commands.map((c) => c.argv.join(' ')).join('\n')).toContain(row.runs);
      expect(definition.describe(row.fault as never)).toBe(row.describe);
    });
  }

  it('refuses a slave fault whose slave was not resolved', () => {
    expect(() => faultCommands(topology, { kind: 'carrier-off', slave: { index: 0 } }, undefined)).toThrow(
      /carrier-off needs a slave/,
    );
  });
});
