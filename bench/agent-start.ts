/**
 * The agent's start in the VM guest, as ES module (main.js) against CommonJS (main.cjs, what the
 * VM starts): in one booted VM, alternately, each started with --stdio and stdin at its end (it
 * says hello and exits), from a warm page cache and after dropping the guest's caches (cold: node
 * paged in again over 9p). Measured as qemu's CPU time around each start, which the load beside
 * the VM changes far less than wall time. Writes reports/bench-agent-start.json.
 *
 *   node dist/bench/agent-start.js [rounds, default 10]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { agentCjsScript, agentScript } from '../harness/agent/location.js';
import { VmTarget } from '../harness/vm/vm-target.js';
import { qemuCpuMs } from './qemu-cpu.js';

const rounds = Number(process.argv[2] ?? 10);
const variants = { esm: agentScript(), cjs: agentCjsScript(), nodeOnly: '-e 0' };
type Variant = keyof typeof variants;
const samples: Record<string, number[]> = {};
const loads: number[] = [];

const vm = await VmTarget.boot({ kernel: process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm' });
try {
  for (let round = 0; round < rounds; round++) {
    loads.push(Number((loadavg()[0] ?? 0).toFixed(2)));
    for (const variant of Object.keys(variants) as Variant[]) {
      for (const cache of ['warm', 'cold'] as const) {
        if (cache === 'cold') await vm.exec(['sh', '-c', 'sync; echo 3 > /proc/sys/vm/drop_caches']);
        const args = variant === 'nodeOnly' ? variants[variant] : `${variants[variant]} --stdio`;
        const before = await qemuCpuMs();
        const result = await vm.exec(['sh', '-c', `${process.execPath} ${args} </dev/null >/dev/null`]);
        if (result.exitCode !== 0) throw new Error(`${variant} failed in the guest: ${result.stderr}`);
        (samples[`${variant} ${cache}`] ??= []).push((await qemuCpuMs()) - before);
      }
    }
  }
} finally {
  await vm.close();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ratio = (cache: string) =>
  Number((median(samples[`cjs ${cache}`] ?? []) / median(samples[`esm ${cache}`] ?? [])).toFixed(3));
const report = {
  benchmark: 'agent-start',
  date: new Date().toISOString(),
  target: vm.description,
  rounds,
  loadAverages: loads,
  // qemu CPU ms per start, the exec round trip included (the agent's spawn of sh, then node).
  qemuCpuMs: Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, { p50: median(values), values }])),
  // Below 1: the CommonJS agent starts with less work than the ES module.
  cjsToEsm: { warm: ratio('warm'), cold: ratio('cold') },
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-agent-start.json', `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
