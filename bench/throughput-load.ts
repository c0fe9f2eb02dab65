/**
 * Throughput verdicts quiet against loaded (issue #13): runs the shipped throughput scenarios and
 * a false throughput claim (fixtures/scenarios-throughput) N times on the machine as it is and N
 * times with the CPU oversubscribed (one busy process per core beside the VM), one VM boot per run,
 * and writes reports/bench-throughput-load.json: per case and run the factor over one link, the
 * one-link reference before and after, the unshaped capacity, the verdict and why it was undecided.
 * Goals: true claims never fail (quiet: passed; loaded: passed or inconclusive); the false claim
 * never passes (quiet: failed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../harness/package-root.js';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';
import { oversubscribe } from './load-subset.js';

const runs = Number.parseInt(process.argv[2] ?? '2', 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error('usage: throughput-load [runs per side, at least 1]');
const kernel = process.env.BONDLAB_TEST_KERNEL;
const log = (line: string) => console.error(line);
const root = packageRoot();
const truths = await loadScenarioFiles([join(root, 'scenarios/traffic/throughput.yaml')]);
const lies = await loadScenarioFiles([join(root, 'fixtures/scenarios-throughput')]);
const errors = [...truths.errors, ...lies.errors];
if (errors.length) throw new Error(`the throughput scenarios do not load: ${JSON.stringify(errors)}`);
const falseClaims = new Set(lies.cases.map((c) => c.name));
const mbit = (bps: number | undefined) => (bps === undefined ? undefined : Number((bps / 1e6).toFixed(1)));

async function measured(load: 'quiet' | 'loaded') {
  const hog = load === 'loaded' ? oversubscribe() : undefined;
  const before = Number((loadavg()[0] ?? 0).toFixed(2));
  try {
    const result = await runScenarios([...truths.cases, ...lies.cases], { target: 'vm', kernel, log });
    return {
      runId: result.runId,
      load,
      busyProcesses: hog?.count ?? 0,
      hostLoadAverage: [before, Number((loadavg()[0] ?? 0).toFixed(2))],
      cases: result.cases.map((c) => {
        const t = c.throughput.at(-1);
        const checks = c.steps.flatMap((s) => s.checks).filter((k) => k.name === 'TCP throughput');
        return {
          name: c.name,
          claim: falseClaims.has(c.name) ? 'false' : 'true',
          verdict: c.status,
          factor: t ? Number(t.factor.toFixed(2)) : undefined,
          bondMbps: mbit(t?.totalBps),
          oneLinkMbps: t?.singleLinkRunsBps?.map(mbit),
          capacityMbps: mbit(t?.capacityBps),
          busiestCpu: t?.cpu?.bond.busiest,
          undecidedBecause: checks.find((k) => k.disturbed)?.disturbed,
        };
      }),
    };
  } finally {
    hog?.stop();
  }
}

const results = [];
for (let i = 1; i <= runs; i++) {
  for (const load of ['quiet', 'loaded'] as const) {
    log(`${load} run ${i}/${runs}`);
    results.push(await measured(load));
  }
}
const all = results.flatMap((r) => r.cases.map((c) => ({ ...c, load: r.load })));
const report = {
  benchmark: 'throughput-load',
  date: new Date().toISOString(),
  load: 'quiet: the machine as it was (other work included, see hostLoadAverage); loaded: plus one busy process per core',
  goals: {
    quiet: 'true claims passed, false claim failed',
    loaded: 'true claims passed or inconclusive, false claim never passed',
  },
  falseFailures: all.filter((c) => c.claim === 'true' && c.verdict !== 'passed' && c.verdict !== 'inconclusive').length,
  falsePasses: all.filter((c) => c.claim === 'false' && c.verdict === 'passed').length,
  quietUndecided: all.filter((c) => c.load === 'quiet' && c.verdict === 'inconclusive').length,
  loadedUndecided: all.filter((c) => c.load === 'loaded' && c.verdict === 'inconclusive').length,
  runs: results,
};
await mkdir('reports', { recursive: true });
await writeFile('reports/bench-throughput-load.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ falseFailures: report.falseFailures, falsePasses: report.falsePasses }, null, 2));
