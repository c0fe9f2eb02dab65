import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inflict } from '../fault/faults.js';
import { CommandFailedError, type ExecResult, type Target } from '../target/target.js';
import { buildScript } from '../topology/topology.js';
import { carrierError, carrierWaitScript, parseCarrierWaits, slaveUpWaitScript } from './carrier.js';
import { PulledCables } from './pulled-cables.js';
import type { LabLinks } from './session.js';

const links = (): LabLinks => ({
  dutNics: ['ens3', 'ens4'],
  peerNics: ['ens5', 'ens6'],
  setCarrier: async (i, up) => `cable ${i} ${up ? 'plugged' : 'pulled'}`,
  restore: async () => undefined,
  pulled: new PulledCables(),
  shown: { dut: ['dut0 (e1000e)', 'dut1 (e1000)'], peer: ['peer0 (virtio_net)', 'peer1 (virtio_net)'] },
});
const request = (l?: LabLinks) => ({
  runId: 'abc1234',
  caseIndex: 0,
  bond: { mode: 'active-backup' as const, options: { miimon: 100 } },
  topology: { slaves: 2, farSide: 'switch' as const, clients: 1, arpTarget: false },
  ...(l ? { links: l } : {}),
});

describe('carrier waits on lab NICs', () => {
  it('runs in sh: reports the time a NIC with carrier took, and names a NIC that never gets one', () => {
    // lo always has carrier; a NIC that does not exist never does.
    const ok = execFileSync('sh', ['-ec', carrierWaitScript([{ name: 'lo', shown: 'loopback' }])], {
      encoding: 'utf8',
    });
    expect(parseCarrierWaits(ok)).toEqual([{ nic: 'lo', ms: expect.any(Number) as number }]);
    const never = spawnSync('sh', ['-ec', carrierWaitScript([{ name: 'blnone0', shown: 'dut7 (e1000e)' }], 300)], {
      encoding: 'utf8',
    });
    expect(never.status).toBe(1);
    expect(never.stderr).toMatch(/the lab NIC dut7 \(e1000e\) has no carrier after 0.3 s/);
    const kept = spawnSync('sh', ['-ec', carrierWaitScript([{ name: 'lo', shown: 'loopback' }], 300, true)], {
      encoding: 'utf8',
    });
    expect(kept.status).toBe(1);
    expect(kept.stderr).toMatch(/the lab NIC loopback still has carrier after 0.3 s/);
    // As an error: that line, not the build script's whole command line.
    const failed = new CommandFailedError({
      argv: ['sh', '-c', 'a long build script'],
      exitCode: 1,
      stdout: '',
      stderr: `RTNETLINK answers: File exists\n${never.stderr}`,
      durationMs: 300,
      timedOut: false,
    } as ExecResult);
    expect(carrierError(failed).message).toBe(
      'the lab NIC dut7 (e1000e) has no carrier after 0.3 s (is its cable or far side up?)',
    );
    const other = new Error('something else');
    expect(carrierError(other)).toBe(other);
  });

  it('enslaves lab NICs one at a time into the bond that is up, slave0 up in the bond before slave1 joins', () => {
    const { script } = buildScript(request(links()));
    const at = (text: string) => {
      const index = script.indexOf(text);
      expect(index, text).toBeGreaterThan(0);
      return index;
    };
    const order = [
      at('link set dev bond0 up'),
      at('ip link set dev eth0 master bond0'),
      at('/sys/class/net/p0/carrier'),
      at('/sys/class/net/eth0/carrier'),
      at('/sys/class/net/eth0/bonding_slave/mii_status'),
      at('ip link set dev eth1 master bond0'),
      at('/sys/class/net/p1/carrier'),
      at('/sys/class/net/eth1/carrier'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(script).not.toContain('eth1/bonding_slave/mii_status');
    expect(script).toMatch(/dut1 \(e1000\) has no carrier/);
    expect(script).toMatch(/dut0 \(e1000e\) has carrier but the bond did not see it up/);
    expect(buildScript(request()).script).not.toMatch(/carrier|mii_status/);
  });

  it('waits for a switch lab uplink with slave0, and records a primary before the enslaves', () => {
    const { script } = buildScript({
      ...request({
        ...links(),
        peerNics: [],
        uplink: 'ens9',
        shown: { dut: ['dut0 (e1000e)', 'dut1 (e1000)'], peer: [], uplink: 'up (virtio_net)' },
      }),
      bond: { mode: 'active-backup' as const, options: { miimon: 100, primary: 'slave1' } },
    });
    const uplink = script.indexOf('/sys/class/net/up0/carrier');
    expect(uplink).toBeGreaterThan(script.indexOf('ip link set dev eth0 master bond0'));
    expect(uplink).toBeLessThan(script.indexOf('ip link set dev eth1 master bond0'));
    expect(script.indexOf('echo eth1 > /sys/class/net/bond0/bonding/primary')).toBeLessThan(
      script.indexOf('ip link set dev eth0 master bond0'),
    );
  });

  it('fails a slave the bond never sees up, naming it', () => {
    const never = spawnSync('sh', ['-ec', slaveUpWaitScript({ name: 'blnone0', shown: 'dut7 (e1000e)' }, 300)], {
      encoding: 'utf8',
    });
    expect(never.status).toBe(1);
    const failed = new CommandFailedError({
      argv: ['sh', '-c', 'a long build script'],
      exitCode: 1,
      stdout: '',
      stderr: never.stderr,
      durationMs: 300,
      timedOut: false,
    } as ExecResult);
    expect(carrierError(failed).message).toBe(
      'the lab NIC dut7 (e1000e) has carrier but the bond did not see it up after 0.3 s (does its link monitor, miimon or arp_interval with a reachable target, run?)',
    );
  });

  it('completes a cable plug when the DUT NIC has carrier again, a pull when it has lost it, and records both', async () => {
    const { topology } = buildScript(request(links()));
    const built = { ...topology, dut: { ...topology.dut, holderPid: 1 } };
    const commands: string[] = [];
    let clock = 0n;
    const target = {
      clockNs: async () => (clock += 1_000_000n),
      exec: async (argv: string[]): Promise<ExecResult> => {
        const script = argv.at(-1) ?? '';
        commands.push(script);
        const nic = /\/sys\/class\/net\/(\w+)\/carrier/.exec(script)?.[1];
        return { exitCode: 0, stdout: `bondlab-carrier ${nic} 1480\n`, stderr: '', timedOut: false } as ExecResult;
      },
    } as unknown as Target;
    const off = await inflict(target, built, { kind: 'carrier-off', slave: { index: 1 } }, 'eth1');
    expect(off.detail).toBe(
      'cable 1 pulled (carrier lost on eth1); link detection: eth1 dut1 (e1000) saw its carrier lost within 2 ms of the pull',
    );
    expect(commands.pop()).toMatch(/\[ "\$c" = 1 \]/);
    // The command's own return stays the fault's end: the wait is the NIC's, not the command's.
    expect(off.endNs - off.startNs).toBe(1_000_000n);
    // Its cable is out: bringing the link up again cannot give it carrier, so nothing is waited for.
    const up = await inflict(target, built, { kind: 'link-up', slave: { index: 1 } }, 'eth1');
    expect(up.detail).toBe('ip link set eth1 up');
    const on = await inflict(target, built, { kind: 'carrier-on', slave: { index: 1 } }, 'eth1');
    expect(on.detail).toBe(
      'cable 1 plugged (carrier back on eth1); link training: eth1 dut1 (e1000) had carrier again within 2 ms of the plug',
    );
    expect(commands.pop()).toMatch(/\[ "\$c" != 1 \]/);
  });
});
