/**
 * Does the kernel log, as bondlab captures it, agree with the target's CLOCK_MONOTONIC? Writes a
 * marker line into /dev/kmsg between two clock reads, N times, and reports where the captured
 * record of each marker lies relative to that bracket, with the capture's clock offset and
 * without it (the kernel's raw stamp). The timeline joins samples (CLOCK_MONOTONIC) with
 * kernel-log lines (printk's local_clock): a record outside its bracket would misplace a state
 * change that a kernel line pins. Writes reports/examples/bench-kmsg-clock.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { KernelLogCapture } from '../harness/target/kmsg.js';
import { VmTarget } from '../harness/vm/vm-target.js';

const rounds = Number(process.argv[2] ?? 50);
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

const target = await VmTarget.boot({ kernel });
try {
  const capture = await KernelLogCapture.start(target);
  const brackets: { marker: string; beforeNs: bigint; afterNs: bigint }[] = [];
  for (let i = 0; i < rounds; i++) {
    const marker = `bondlab-clock-${process.pid}-${i}`;
    const beforeNs = await target.clockNs();
    await target.writeFile('/dev/kmsg', `${marker}\n`);
    const afterNs = await target.clockNs();
    brackets.push({ marker, beforeNs, afterNs });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stamps = new Map(capture.since(0n).map((r) => [r.text, BigInt(r.usec) * 1000n]));
  await capture.stop();
  const offsetNs = capture.clockOffsetNs;
  const rows = brackets.map((b) => {
    const at = stamps.get(b.marker);
    return {
      bracketMs: Number(b.afterNs - b.beforeNs) / 1e6,
      capturedMinusBeforeMs: at === undefined ? null : Number(at - b.beforeNs) / 1e6,
      afterMinusCapturedMs: at === undefined ? null : Number(b.afterNs - at) / 1e6,
      rawOutside: at === undefined || at + offsetNs < b.beforeNs || at + offsetNs > b.afterNs,
    };
  });
  const outside = rows.filter(
    (r) => r.capturedMinusBeforeMs === null || r.capturedMinusBeforeMs < 0 || (r.afterMinusCapturedMs ?? 0) < 0,
  );
  const report = {
    benchmark: 'kmsg-clock',
    date: new Date().toISOString(),
    target: target.description,
    rounds,
    clockOffsetMs: Number(offsetNs) / 1e6,
    outsideBracket: outside.length,
    rawStampOutsideBracket: rows.filter((r) => r.rawOutside).length,
    rows,
  };
  await mkdir('reports/examples', { recursive: true });
  await writeFile('reports/examples/bench-kmsg-clock.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ ...report, rows: outside.slice(0, 5) }, null, 1));
} finally {
  await target.close();
}
