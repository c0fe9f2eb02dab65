import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KernelLogCapture, logClockOffsetNs, parseKmsgLine } from './kmsg.js';
import type { ExecResult, SpawnedProcess, Target } from './target.js';

/** Recorded in bondlab's VM: see fixtures/kmsg/README.md. */
const recorded = readFileSync('fixtures/kmsg/6.1.0-57-amd64-active-backup.txt', 'utf8');
const lines = recorded.split('\n').filter((line) => line !== '');

describe('parseKmsgLine on records of a real kernel', () => {
  it('reads priority, sequence number, monotonic microseconds and text', () => {
    expect(
      parseKmsgLine('6,410,50143990,-;bond0: (slave veth0): link status definitely down, disabling slave'),
    ).toEqual({
      priority: 6,
      seq: 410,
      usec: 50143990,
      text: 'bond0: (slave veth0): link status definitely down, disabling slave',
    });
  });

  it('keeps the severity of a record written with a facility (user, <14>) and cuts only at the first semicolon', () => {
    const record = lines.map(parseKmsgLine).find((r) => r?.text.startsWith('bondlab-fixture'));
    expect(record).toEqual({
      priority: 6,
      seq: 409,
      usec: 48100919,
      text: 'bondlab-fixture: a user record; its text holds a semicolon',
    });
  });

  it('reads a warning (priority 4) and the boot records at time 0', () => {
    const records = lines.map(parseKmsgLine);
    expect(records.find((r) => r?.seq === 413)?.priority).toBe(4);
    expect(records[0]).toMatchObject({ priority: 5, seq: 0, usec: 0 });
    expect(records[0]?.text).toMatch(/^Linux version 6\.1\.0-57-amd64 /);
  });

  it('skips the dictionary lines (they start with a space) and keeps every record line, in sequence order', () => {
    const dictionary = lines.filter((line) => line.startsWith(' '));
    expect(dictionary.length).toBeGreaterThan(0);
    expect(dictionary.map(parseKmsgLine)).toEqual(dictionary.map(() => undefined));
    const records = lines.map(parseKmsgLine).filter((r) => r !== undefined);
    expect(records).toHaveLength(lines.length - dictionary.length);
    const seqs = records.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('refuses what is not a record: no semicolon, missing fields, numbers that are not numbers', () => {
    expect(parseKmsgLine('')).toBeUndefined();
    expect(parseKmsgLine('6,410,50143990,-')).toBeUndefined();
    expect(parseKmsgLine('6,410;text')).toBeUndefined();
    expect(parseKmsgLine('6,x,50143990,-;text')).toBeUndefined();
    expect(parseKmsgLine('6,410,later,-;text')).toBeUndefined();
  });
});

/** A spawned `cat /dev/kmsg` whose output the test hands over in chunks of its choosing. */
function fakeKmsg(schedDebug: string | null = null): {
  target: Target;
  emit: (chunk: string) => void;
  killed: () => boolean;
} {
  const listeners: ((chunk: string) => void)[] = [];
  let killed = false;
  const process: SpawnedProcess = {
    argv: ['cat', '/dev/kmsg'],
    onStdout: (listener) => listeners.push(listener),
    onStderr: () => undefined,
    exited: new Promise<ExecResult>(() => undefined),
    kill: () => {
      killed = true;
      return Promise.resolve();
    },
    write: () => Promise.resolve(),
  };
  const unused = () => Promise.reject(new Error('not used by the kernel log capture'));
  const target: Target = {
    kind: 'host',
    description: 'fake',
    exec: unused,
    spawn: (argv) => (argv.join(' ') === 'cat /dev/kmsg' ? Promise.resolve(process) : unused()),
    readFile: unused,
    writeFile: unused,
    snapshot: (paths) => Promise.resolve({ clockNs: 0n, readNs: 0n, files: paths.map(() => schedDebug) }),
    clockNs: unused,
    close: () => Promise.resolve(),
  };
  return { target, emit: (chunk) => listeners.forEach((listener) => listener(chunk)), killed: () => killed };
}

describe('KernelLogCapture', () => {
  it('joins records cut across chunks, and returns those at or after a time', async () => {
    const kmsg = fakeKmsg();
    const capture = await KernelLogCapture.start(kmsg.target);
    // Chunks of 7 bytes: every record line is cut at least once.
    for (let i = 0; i < recorded.length; i += 7) kmsg.emit(recorded.slice(i, i + 7));
    const bond = capture.since(45_747_639_000n);
    expect(bond.map((r) => r.seq)).toEqual([404, 405, 406, 407, 408, 409, 410, 411, 412, 413]);
    expect(bond[0]?.text).toBe('bond0: (slave veth0): link status definitely up, 10000 Mbps full duplex');
    expect(capture.since(54_033_544_000n)).toEqual([]);
    expect(capture.since(0n)).toHaveLength(lines.filter((line) => !line.startsWith(' ')).length);
  });

  it('keeps a last line without its newline until the newline arrives', async () => {
    const kmsg = fakeKmsg();
    const capture = await KernelLogCapture.start(kmsg.target);
    kmsg.emit('6,1,100,-;first\n6,2,200,-;sec');
    expect(capture.since(0n).map((r) => r.text)).toEqual(['first']);
    kmsg.emit('ond\n');
    expect(capture.since(0n).map((r) => r.text)).toEqual(['first', 'second']);
  });

  it("puts records on the monotonic clock by the offset the scheduler's debug header shows", async () => {
    // The header of a Debian 6.1 guest under TCG (TSC unstable): cpu_clk runs 25.028 ms ahead of ktime.
    const header = [
      'Sched Debug Version: v0.11, 6.1.0-57-amd64 #1',
      'ktime                                   : 6157.970497',
      'sched_clk                               : 6212.684854',
      'cpu_clk                                 : 6182.998565',
      'jiffies                                 : 4294893768',
      'sched_clock_stable()                    : 0',
    ].join('\n');
    expect(logClockOffsetNs(header)).toBe(25_028_068n);
    expect(logClockOffsetNs('ktime : 1.000000\n')).toBeUndefined();
    const kmsg = fakeKmsg(header);
    const capture = await KernelLogCapture.start(kmsg.target);
    expect(capture.clockOffsetNs).toBe(25_028_068n);
    kmsg.emit('6,1,100000,-;bond0: (slave eth0): link status definitely down, disabling slave\n');
    expect(capture.since(0n).map((r) => r.usec)).toEqual([74_972]);
    expect(capture.since(75_000_000n)).toEqual([]);
  });

  it('keeps the kernel stamps where no debug header can be read', async () => {
    const capture = await KernelLogCapture.start(fakeKmsg().target);
    expect(capture.clockOffsetNs).toBe(0n);
  });

  it('stops the reader when stopped', async () => {
    const kmsg = fakeKmsg();
    const capture = await KernelLogCapture.start(kmsg.target);
    await capture.stop();
    expect(kmsg.killed()).toBe(true);
  });
});
