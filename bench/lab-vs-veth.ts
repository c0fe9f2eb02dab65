/**
 * The same scenarios on veth pairs and on the emulated NIC lab (issue #13: same verdicts on NICs
 * as on veth). The shipped scenarios a lab can carry run once on veth and once on each lab's
 * emulated NICs (e1000e, virtio_net, or e1000: real drivers), in VMs of the same kernel; the two runs
 * are compared as `bondlab compare` does, and every fault inside a traffic window gets its outage
 * on each side, with the driver of the lab NIC whose cable was pulled. Cases a lab cannot carry are
 * listed with the reason a run refuses them. Writes reports/examples/bench-lab-vs-veth.json and .md
 * (or --out NAME: reports/examples/NAME.json and .md); each run's own reports go to reports/<run id>/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { farSideRefusal, type Lab } from '../harness/lab/lab.js';
import { loadLabFile } from '../harness/lab/load.js';
import { compareRuns, comparisonMarkdown, type Comparison } from '../harness/report/compare.js';
import { writeReports } from '../harness/report/write.js';
import type { CaseResult, RunResult } from '../harness/runner/results.js';
import { runScenarios } from '../harness/runner/run.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';
import type { FaultEvent } from '../harness/timeline/events.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    lab: { type: 'string', multiple: true },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench-lab-vs-veth' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(`usage: node dist/bench/lab-vs-veth.js [--lab FILE]... [--only NAME,NAME...] [--out NAME] [scenario files or dirs...]
  --lab FILE   a lab file to run on (repeatable; default fixtures/labs/emulated.yaml)
  --only NAMES only these cases (comma-separated names)
  --out NAME   write reports/examples/NAME.json and .md (default bench-lab-vs-veth)
  scenarios    default: scenarios`);
  process.exit(0);
}
const outBase = join('reports', 'examples', values.out);
const labFiles = values.lab ?? ['fixtures/labs/emulated.yaml'];
const paths = positionals.length ? positionals : ['scenarios'];
const only = values.only?.split(',');
const kernel = process.env.BONDLAB_TEST_KERNEL;
const log = (line: string) => console.error(line);

const loaded = await loadScenarioFiles(paths);
if (loaded.errors.length) throw new Error(`the scenarios do not load: ${JSON.stringify(loaded.errors)}`);
const cases = loaded.cases.filter((c) => !only || only.includes(c.name));
if (!cases.length) throw new Error(`no cases${only ? ` named ${only.join(', ')}` : ''} in ${paths.join(' ')}`);

const labs: Lab[] = [];
for (const file of labFiles) {
  const lab = await loadLabFile(file);
  if ('errors' in lab) throw new Error(`${file}: ${JSON.stringify(lab.errors)}`);
  labs.push(lab.lab);
}

const load = () => Number((loadavg()[0] ?? 0).toFixed(2));

/** One run, its reports kept, with the host's load average around it. */
async function measured(what: string, lab?: Lab) {
  const before = load();
  const own = lab ? cases.filter((c) => !farSideRefusal(lab, c.topology.farSide, c.topology.slaves)) : cases;
  log(`${what}: ${own.length} case(s)`);
  const result = await runScenarios(own, { target: 'vm', kernel, log, ...(lab ? { lab } : {}) });
  await writeReports(result, join('reports', result.runId));
  return { result, hostLoadAverage: [before, load()] };
}

/** The driver of the lab NIC behind a DUT slave (eth0 is the lab's first NIC). */
function driverOf(result: RunResult, slave: string | undefined): string {
  const index = Number(/^eth(\d+)$/.exec(slave ?? '')?.[1] ?? Number.NaN);
  return result.lab?.nics.filter((n) => n.role === 'dut')[index]?.driver ?? 'veth';
}

/** Every fault inside a traffic window: its outage, and the driver of the slave it hit. */
function outages(result: RunResult, c: CaseResult) {
  return c.failovers.map((f) => {
    const fault = c.timeline.find((e): e is FaultEvent => e.kind === 'fault' && e.detail === f.fault);
    return {
      fault: fault?.fault ?? f.fault,
      slave: fault?.slave,
      driver: driverOf(result, fault?.slave),
      outageMs: Math.round(f.outageMs),
    };
  });
}

const veth = await measured('veth');
const onLabs: { lab: Lab; run: Awaited<ReturnType<typeof measured>>; comparison: Comparison }[] = [];
for (const lab of labs) {
  const run = await measured(`lab ${lab.file}`, lab);
  onLabs.push({ lab, run, comparison: compareRuns(veth.result, run.result) });
}

const statusOf = (result: RunResult, name: string) => result.cases.find((c) => c.name === name)?.status;
const perCase = cases.map((c) => {
  const onVeth = veth.result.cases.find((r) => r.name === c.name);
  return {
    name: c.name,
    veth: onVeth?.status ?? 'not run',
    labs: onLabs.map(({ lab, run }) => {
      const refused = farSideRefusal(lab, c.topology.farSide, c.topology.slaves);
      const onLab = run.result.cases.find((r) => r.name === c.name);
      return {
        lab: lab.file,
        status: refused ? 'refused' : (onLab?.status ?? 'not run'),
        ...(refused ? { refused } : {}),
        agrees: refused ? null : statusOf(run.result, c.name) === onVeth?.status,
        outages: onLab ? outages(run.result, onLab) : [],
      };
    }),
    vethOutages: onVeth ? outages(veth.result, onVeth) : [],
  };
});

const report = {
  benchmark: 'lab-vs-veth',
  date: new Date().toISOString(),
  kernel: kernel ?? 'debian:bookworm',
  scenarios: paths,
  veth: {
    runId: veth.result.runId,
    wallMs: Math.round(veth.result.durationMs),
    hostLoadAverage: veth.hostLoadAverage,
    summary: veth.result.summary,
  },
  labs: onLabs.map(({ lab, run, comparison }) => ({
    lab: lab.file,
    runId: run.result.runId,
    nics: run.result.lab?.nics.map((n) => ({ label: n.label, role: n.role, driver: n.driver, speed: n.speed })),
    wallMs: Math.round(run.result.durationMs),
    wallRatioToVeth: Number((run.result.durationMs / veth.result.durationMs).toFixed(2)),
    hostLoadAverage: run.hostLoadAverage,
    summary: run.result.summary,
    verdictChanges: comparison.changes.filter((change) => change.kind === 'verdict').length,
    comparison,
  })),
  perCase,
};
await mkdir('reports/examples', { recursive: true });
await writeFile(`${outBase}.json`, `${JSON.stringify(report, null, 2)}\n`);

const cell = (text: string) => text.replace(/\|/g, '\\|');
const outageText = (list: { driver: string; slave?: string; outageMs: number }[]) =>
  list.map((o) => `${o.outageMs} ms (${o.slave ?? '?'}, ${o.driver})`).join(', ') || '-';
const md = [
  '# Verdicts on veth and on the emulated NIC lab',
  '',
  `Made by \`node dist/bench/lab-vs-veth.js\` on ${report.date}, kernel ${report.kernel}; veth run ${report.veth.runId} (${Math.round(report.veth.wallMs / 1000)} s, host load ${report.veth.hostLoadAverage.join(' -> ')}).`,
  '',
  `| case | veth | ${onLabs.map(({ lab }) => cell(lab.file)).join(' | ')} | outage on veth | ${onLabs.map(() => 'outage on the lab').join(' | ')} |`,
  `| --- | --- | ${onLabs.map(() => '---').join(' | ')} | --- | ${onLabs.map(() => '---').join(' | ')} |`,
  ...perCase.map(
    (c) =>
      `| ${cell(c.name)} | ${c.veth} | ${c.labs.map((l) => (l.refused ? `refused: ${cell(l.refused)}` : `${l.status}${l.agrees ? '' : ' (differs)'}`)).join(' | ')} | ${outageText(c.vethOutages)} | ${c.labs.map((l) => outageText(l.outages)).join(' | ')} |`,
  ),
  '',
  ...report.labs.flatMap((l) => [
    `## ${l.lab} (run ${l.runId}, ${Math.round(l.wallMs / 1000)} s, ${l.wallRatioToVeth}x the veth run's wall time, host load ${l.hostLoadAverage.join(' -> ')})`,
    '',
    `NICs: ${(l.nics ?? []).map((n) => `${n.label} ${n.driver} ${n.speed}`).join(', ')}`,
    '',
    comparisonMarkdown(l.comparison),
  ]),
].join('\n');
await writeFile(`${outBase}.md`, `${md}\n`);
log(`wrote ${outBase}.json and .md`);
