import { describe, expect, it } from 'vitest';
import type { ExecResult, SpawnedProcess, Target } from '../target/target.js';
import { buildScript, type Topology } from '../topology/topology.js';
import { ProbePool, probeCounters } from './engine.js';

/** A real topology plan (no target needed): 2 slaves. */
function topology(): Topology {
  const { topology: t } = buildScript({
    runId: 'abc1234',
    caseIndex: 4,
    bond: { mode: 'balance-xor', options: { miimon: 100 } },
    topology: { slaves: 2, farSide: 'static-lag', clients: 1, arpTarget: false },
  });
  return { ...t, dut: { ...t.dut, holderPid: 1 } };
}

/** A `tc -s -j filter show` list as the parser reads it: a flower filter's first action carries the packet count. */
const filterList = (packets: number) =>
  JSON.stringify([
    { protocol: 'ip', pref: 49152, kind: 'flower', chain: 0 },
    {
      protocol: 'ip',
      pref: 49152,
      kind: 'flower',
      chain: 0,
      options: { actions: [{ kind: 'gact', stats: { packets } }] },
    },
  ]);

/**
 * A stand-in for tc in batch mode: a `filter show` line answers with one JSON line (packets from
 * `packets`), other lines print nothing; a line with "bad" makes it fail and exit, as tc does.
 */
function fakeTarget(packets: Record<string, number>) {
  const spawned: string[][] = [];
  const written: string[] = [];
  const target = {
    kind: 'host',
    description: 'fake',
    spawn(argv: string[]): Promise<SpawnedProcess> {
      spawned.push(argv);
      let stdout: (chunk: string) => void = () => undefined;
      let stderr: (chunk: string) => void = () => undefined;
      let exit: (result: ExecResult) => void = () => undefined;
      const exited = new Promise<ExecResult>((resolve) => (exit = resolve));
      const result = { argv, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 0 };
      return Promise.resolve({
        argv,
        onStdout: (listener) => (stdout = listener),
        onStderr: (listener) => (stderr = listener),
        exited,
        kill: () => Promise.resolve(exit({ ...result, exitCode: null, signal: 'SIGKILL' })),
        write(data: string) {
          written.push(data);
          for (const line of data.split('\n').filter(Boolean)) {
            if (line.includes('bad')) {
              stderr('Error: Specified qdisc kind is unknown.\nCommand failed -:1\n');
              exit({ ...result, exitCode: 1 });
              break;
            }
            const show = /^filter show dev (\S+) (\S+)$/.exec(line);
            if (show) stdout(`${filterList(packets[`${show[1]} ${show[2]}`] ?? 0)}\n`);
          }
          return Promise.resolve();
        },
      });
    },
  } as Pick<Target, 'kind' | 'description' | 'spawn'> as Target;
  return { target, spawned, written };
}

describe('the traffic counters', () => {
  it('are read through one tc per case, kept running: the filters installed first, then every read without a new tc', async () => {
    const t = topology();
    const packets: Record<string, number> = { 'eth0 egress': 0, 'eth1 ingress': 0 };
    const { target, spawned, written } = fakeTarget(packets);
    const pool = new ProbePool(target);
    expect(await probeCounters(pool, t, ['qdisc add dev eth0 clsact'])).toEqual([
      { slave: 'eth0', tx: 0, rx: 0 },
      { slave: 'eth1', tx: 0, rx: 0 },
    ]);
    Object.assign(packets, { 'eth0 egress': 120, 'eth0 ingress': 3, 'eth1 egress': 80, 'eth1 ingress': 7 });
    expect(await probeCounters(pool, t)).toEqual([
      { slave: 'eth0', tx: 120, rx: 3 },
      { slave: 'eth1', tx: 80, rx: 7 },
    ]);
    expect(spawned).toEqual([['tc', '-n', t.dut.netns, '-s', '-j', '-batch', '-']]);
    expect(written[0]?.split('\n')[0]).toBe('qdisc add dev eth0 clsact');
    expect(written[1]).toBe(
      'filter show dev eth0 egress\nfilter show dev eth0 ingress\nfilter show dev eth1 egress\nfilter show dev eth1 ingress\n',
    );
    await pool.close();
  });

  it('fail with tc’s own message when tc stops at a failed command', async () => {
    const { target } = fakeTarget({});
    const pool = new ProbePool(target);
    await expect(probeCounters(pool, topology(), ['qdisc add dev eth0 bad'])).rejects.toThrow(
      /tc in bondlab-.*-dut exited: Error: Specified qdisc kind is unknown/,
    );
  });
});
