/**
 * What `--capture` costs: the same failover cases run alternately without and with capture in one
 * VM (so both see the same machine load), wall time per case as a ratio, and the bytes kept per
 * fault. Writes reports/examples/bench-capture-cost.json. `node dist/bench/capture-cost.js [rounds]`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_FILE_BYTES } from '../harness/capture/capture.js';
import { runCase } from '../harness/runner/run-case.js';
import { loadScenarioFiles } from '../harness/scenario/load.js';
import { KernelLogCapture } from '../harness/target/kmsg.js';
import { newRunId } from '../harness/topology/names.js';
import { DEFAULT_KERNEL } from '../harness/vm/kernels.js';
import { VmTarget } from '../harness/vm/vm-target.js';

const rounds = Number(process.argv[2] ?? 3);
const kernel = process.env.BONDLAB_TEST_KERNEL ?? DEFAULT_KERNEL;
const { cases, errors } = await loadScenarioFiles(['fixtures/scenarios-capture/failover.yaml']);
if (errors.length) throw new Error(JSON.stringify(errors));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** The report so far: written after every case, so a run cut short still leaves its samples. */
async function writeReport(targetName: string): Promise<Record<string, unknown>> {
  const perCase = cases.map((c) => {
    const without = samples.filter((s) => s.case === c.name && !s.capture).map((s) => s.ms);
    const withCapture = samples.filter((s) => s.case === c.name && s.capture);
    const withMs = withCapture.map((s) => s.ms);
    return {
      case: c.name,
      medianMsWithout: median(without),
      medianMsWith: median(withMs),
      ratio: Number((median(withMs) / median(without)).toFixed(3)),
      medianBytesPerFault: median(withCapture.map((s) => s.bytesPerFault ?? 0)),
      maxBytesPerFault: Math.max(...withCapture.map((s) => s.bytesPerFault ?? 0)),
      medianPacketsPerFault: median(withCapture.map((s) => s.packetsPerFault ?? 0)),
    };
  });
  const report = {
    benchmark: 'capture-cost',
    date: new Date().toISOString(),
    target: targetName,
    rounds,
    /** This machine's 1, 5 and 15 minute load averages when the report was written (2 cores, shared). */
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
    goal: 'wall time per case with --capture at most 1.10x without',
    perCase,
    worstRatio: Math.max(...perCase.map((c) => c.ratio)),
    /** The documented bound of one kept file (one interface, one fault), and the largest file kept. */
    boundBytesPerFile: MAX_FILE_BYTES,
    maxBytesPerFile: Math.max(0, ...samples.map((s) => s.maxFileBytes ?? 0)),
    samples,
  };
  await mkdir('reports/examples', { recursive: true });
  await writeFile('reports/examples/bench-capture-cost.json', `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

const captureDir = await mkdtemp(join(tmpdir(), 'bondlab-bench-capture-'));
const target = await VmTarget.boot({ kernel, fetch: { log: (line) => console.error(line) } });
const runId = newRunId();
const samples: {
  case: string;
  capture: boolean;
  ms: number;
  status: string;
  bytesPerFault?: number;
  packetsPerFault?: number;
  maxFileBytes?: number;
}[] = [];
try {
  await target.exec(['modprobe', 'bonding', 'max_bonds=0']);
  const kernelLog = await KernelLogCapture.start(target);
  let index = 0;
  for (let round = 0; round < rounds; round++) {
    for (const scenarioCase of cases) {
      // Alternate which goes first, so neither always runs on a warmer VM.
      const order = round % 2 ? [true, false] : [false, true];
      for (const capture of order) {
        const result = await runCase(target, scenarioCase, {
          runId,
          caseIndex: index++,
          repetition: 1,
          kernelLog,
          ...(capture ? { captureDir } : {}),
        });
        const faults = result.captures ?? [];
        samples.push({
          case: scenarioCase.name,
          capture,
          ms: Math.round(result.durationMs),
          status: result.status,
          ...(capture && {
            bytesPerFault: faults.length
              ? Math.round(
                  faults.reduce((sum, f) => sum + f.files.reduce((s, file) => s + file.bytes, 0), 0) / faults.length,
                )
              : 0,
            packetsPerFault: faults.length
              ? Math.round(
                  faults.reduce((sum, f) => sum + f.files.reduce((s, file) => s + file.packets, 0), 0) / faults.length,
                )
              : 0,
            maxFileBytes: Math.max(0, ...faults.flatMap((f) => f.files.map((file) => file.bytes))),
          }),
        });
        console.error(`${scenarioCase.name} capture=${capture}: ${result.status} ${Math.round(result.durationMs)} ms`);
        await writeReport(target.description);
      }
    }
  }
  await kernelLog.stop();
} finally {
  await target.close();
  await rm(captureDir, { recursive: true, force: true });
}

console.log(JSON.stringify({ ...(await writeReport(target.description)), samples: undefined }, null, 2));
