/**
 * Kernel log capture through /dev/kmsg: every record carries its CLOCK_MONOTONIC timestamp in
 * microseconds, the same clock as the target's clockNs, so log events line up with faults.
 */
import type { SpawnedProcess, Target } from './target.js';

export interface KmsgRecord {
  /** Microseconds since boot on the monotonic clock. */
  usec: number;
  seq: number;
  priority: number;
  text: string;
}

/** One /dev/kmsg record: `pri,seq,usec,flags[,...];text`; continuation lines start with a space. */
export function parseKmsgLine(line: string): KmsgRecord | undefined {
  const semi = line.indexOf(';');
  if (semi < 0) return undefined;
  const [pri, seq, usec] = line.slice(0, semi).split(',');
  if (pri === undefined || seq === undefined || usec === undefined) return undefined;
  const record = { priority: Number(pri) & 7, seq: Number(seq), usec: Number(usec), text: line.slice(semi + 1) };
  return Number.isFinite(record.usec) && Number.isFinite(record.seq) ? record : undefined;
}

export class KernelLogCapture {
  private readonly records: KmsgRecord[] = [];
  private pending = '';

  private constructor(private readonly process: SpawnedProcess) {
    process.onStdout((chunk) => {
      const lines = (this.pending + chunk).split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) {
        const record = parseKmsgLine(line);
        if (record) this.records.push(record);
      }
    });
  }

  /** Follow the target's kernel log from now on (older records are read too, and filtered by time). */
  static async start(target: Target): Promise<KernelLogCapture> {
    return new KernelLogCapture(await target.spawn(['cat', '/dev/kmsg']));
  }

  /** Records at or after a monotonic time, in nanoseconds. */
  since(ns: bigint): KmsgRecord[] {
    const usec = Number(ns / 1000n);
    return this.records.filter((record) => record.usec >= usec);
  }

  async stop(): Promise<void> {
    await this.process.kill('SIGKILL').catch(() => undefined);
  }
}
