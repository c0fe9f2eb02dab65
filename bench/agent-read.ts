/**
 * What one bond-state sample costs the guest: the sampler reads /proc/net/bonding through the
 * agent every 50 ms all through a case, so under TCG its cost per read adds up. In one booted VM
 * with one vCPU (a --jobs 2 worker's on 2 cores), alternately:
 *   - `agent`: N snapshots of a bond's /proc file through this build's agent, back to back, as
 *     qemu CPU per snapshot (the round trip on both ends: virtio-serial, JSON, the read);
 *   - `async` and `sync`: the read alone, Node's fs/promises readFile against readFileSync, N
 *     times in one guest Node, as qemu CPU per read (the Node start measured alone and taken off).
 * qemu's CPU time changes far less with the load beside the VM than wall time does. Writes
 * reports/examples/bench-agent-read.json.
 *
 *   node dist/bench/agent-read.js [rounds, default 3] [reads per round, default 200]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../harness/package-root.js';
import { run } from '../harness/target/target.js';
import { VmTarget } from '../harness/vm/vm-target.js';
import { qemuCpuMs } from './qemu-cpu.js';

const rounds = Number(process.argv[2] ?? 3);
const reads = Number(process.argv[3] ?? 200);
const bondFile = '/proc/net/bonding/bondread';

// CommonJS and Node's own modules only: what the guest's Node starts fastest.
const guestScript = `
const { readFile } = require('node:fs/promises');
const { readFileSync } = require('node:fs');
const [mode, path, n] = [process.argv[2], process.argv[3], Number(process.argv[4])];
(async () => {
  for (let i = 0; i < n; i++) {
    if (mode === 'async') await readFile(path, 'utf8');
    else if (mode === 'sync') { readFileSync(path, 'utf8'); await new Promise((resolve) => setImmediate(resolve)); }
  }
})();
`;

const dir = await mkdtemp(join(tmpdir(), 'bondlab-bench-agent-read-'));
const script = join(dir, 'read.cjs');
await writeFile(script, guestScript);
const perRead: Record<'agent' | 'async' | 'sync', number[]> = { agent: [], async: [], sync: [] };
const loads: number[] = [];
const vm = await VmTarget.boot({ kernel: process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm', cpus: 1 });
try {
  await run(vm, ['sh', '-c', 'modprobe bonding max_bonds=0 && ip link add bondread type bond mode active-backup']);
  const guestRun = async (mode: string) => {
    const before = await qemuCpuMs();
    await run(vm, [process.execPath, script, mode, bondFile, String(reads)]);
    return (await qemuCpuMs()) - before;
  };
  for (let round = 0; round < rounds; round++) {
    loads.push(Number((loadavg()[0] ?? 0).toFixed(2)));
    const before = await qemuCpuMs();
    for (let i = 0; i < reads; i++) await vm.snapshot([bondFile]);
    perRead.agent.push(((await qemuCpuMs()) - before) / reads);
    const start = await guestRun('none');
    for (const mode of ['async', 'sync'] as const) perRead[mode].push(((await guestRun(mode)) - start) / reads);
  }
} finally {
  await vm.close();
  await rm(dir, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const p50 = Object.fromEntries(Object.entries(perRead).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
const report = {
  benchmark: 'agent-read',
  date: new Date().toISOString(),
  target: vm.description,
  vcpus: 1,
  rounds,
  readsPerRound: reads,
  loadAverages: loads,
  // qemu CPU ms per read (p50 of the rounds) and every round's figure.
  qemuCpuMsPerRead: Object.fromEntries(Object.entries(perRead).map(([k, v]) => [k, { p50: p50[k], values: v }])),
  // Below 1: readFileSync costs the guest less than fs/promises readFile.
  syncToAsync: Number(((p50.sync ?? 0) / (p50.async ?? 1)).toFixed(3)),
  // At the sampler's 20 reads a second: the share of one vCPU the agent's reads take.
  agentShareOfVcpuAt20PerSecond: Number((((p50.agent ?? 0) * 20) / 1000).toFixed(3)),
};
await writeFile(
  join(packageRoot(), 'reports', 'examples', 'bench-agent-read.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
