/**
 * What the probe costs in CPU, apart from the VM: the sender and the receiver (harness/traffic/probe.cts)
 * run on this machine in a network namespace of their own (loopback only), for each traffic shape
 * (flows x packets/s per flow), and their CPU time per second of sending is read from /proc. Under
 * TCG every CPU second of the probe is many of the guest's, so a cheaper probe is one that reaches
 * its set rate on a busier runner. CPU time, unlike the achieved rate, hardly depends on the load
 * beside it. Needs root (ip netns). Writes reports/bench-probe-cost.json.
 *
 *   node dist/bench/probe-cost.js [probe.cjs to measure, default this build's]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const probeScript = resolve(
  process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../harness/traffic/probe.cjs'),
);
const shapes = (process.env.BENCH_SHAPES ?? '8x100,1x1000,4x500,1x5000')
  .split(',')
  .map((shape) => shape.split('x').map(Number) as [number, number]);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const netns = `bondlab-probecost-${process.pid}`;
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** A probe process answering one JSON line per command. */
function startProbe(): { child: ChildProcess; command(c: object): Promise<string> } {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, probeScript, 'serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((done) => waiting.push(done));
  const ready = next();
  return {
    child,
    async command(c: object) {
      await ready;
      const reply = next();
      child.stdin.write(`${JSON.stringify(c)}\n`);
      return reply;
    },
  };
}

/** CPU seconds a process (the node under `ip netns exec`, which execs it) has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

execFileSync('ip', ['netns', 'add', netns]);
const rows = [];
try {
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  for (const [flows, rate] of shapes) {
    const receiver = startProbe();
    const sender = startProbe();
    await receiver.command({ op: 'recv', port: 47000 });
    const cpuBefore = [cpuSeconds(sender.child.pid ?? 0), cpuSeconds(receiver.child.pid ?? 0)];
    const started = performance.now();
    await sender.command({
      op: 'send',
      flows: Array.from({ length: flows }, (_, id) => ({ id, dst: '127.0.0.1', port: 47000, src: 40000 + id })),
      rate,
    });
    await new Promise((done) => setTimeout(done, seconds * 1000));
    const stop = JSON.parse(await sender.command({ op: 'stop' })) as {
      sent: number[];
      notSent: number[];
      stalls: unknown[];
    };
    const wall = (performance.now() - started) / 1000;
    const cpuAfter = [cpuSeconds(sender.child.pid ?? 0), cpuSeconds(receiver.child.pid ?? 0)];
    await new Promise((done) => setTimeout(done, 200));
    const received = (JSON.parse(await receiver.command({ op: 'report' })) as { arrivals: unknown[] }).arrivals.length;
    for (const probe of [sender, receiver]) probe.child.kill('SIGKILL');
    const sent = stop.sent.reduce((a, b) => a + b, 0);
    rows.push({
      flows,
      ratePerFlow: rate,
      setPps: flows * rate,
      achievedRatio: Number((sent / wall / (flows * rate)).toFixed(3)),
      received,
      stalls: stop.stalls.length,
      senderCpuPerSecond: Number(((cpuAfter[0]! - cpuBefore[0]!) / wall).toFixed(3)),
      receiverCpuPerSecond: Number(((cpuAfter[1]! - cpuBefore[1]!) / wall).toFixed(3)),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
} finally {
  execFileSync('ip', ['netns', 'delete', netns]);
}
const report = {
  benchmark: 'probe-cost',
  date: new Date().toISOString(),
  probe: probeScript,
  seconds,
  hostLoadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  cpus: availableParallelism(),
  rows,
};
await mkdir('reports', { recursive: true });
await writeFile(process.env.BENCH_OUT ?? 'reports/bench-probe-cost.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
