/**
 * Kernel log capture through /dev/kmsg. The kernel stamps each record with local_clock(), which is
 * not CLOCK_MONOTONIC (the target's clockNs): where the TSC is unstable, as under TCG, the two
 * differ by a constant set at boot (25 ms in a Debian 6.1 guest). The capture measures that offset
 * from the scheduler's debug header, which prints both clocks read together, and gives records on
 * the monotonic clock, so log events line up with samples and faults.
 */
import type { SpawnedProcess, Target } from './target.js';

/** The scheduler's debug header: ktime (CLOCK_MONOTONIC) and cpu_clk (local_clock) side by side. */
export const SCHED_DEBUG_PATHS = ['/sys/kernel/debug/sched/debug', '/proc/sched_debug'];

export interface KmsgRecord {
  /** Microseconds on the target's monotonic clock (the kernel's stamp less the clock offset). */
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

/** A `name : 6157.970497` line of the scheduler's debug header (ms with six decimals), in ns. */
function schedDebugNs(text: string, name: string): bigint | undefined {
  const m = new RegExp(`^${name}\\s*:\\s*(\\d+)\\.(\\d{6})\\s*$`, 'm').exec(text);
  return m ? BigInt(m[1] ?? '0') * 1_000_000n + BigInt(m[2] ?? '0') : undefined;
}

/** local_clock less CLOCK_MONOTONIC from the scheduler's debug header, or undefined without one. */
export function logClockOffsetNs(schedDebug: string): bigint | undefined {
  const ktime = schedDebugNs(schedDebug, 'ktime');
  const cpuClock = schedDebugNs(schedDebug, 'cpu_clk');
  return ktime === undefined || cpuClock === undefined ? undefined : cpuClock - ktime;
}

export class KernelLogCapture {
  private readonly records: KmsgRecord[] = [];
  private pending = '';

  private constructor(
    private readonly process: SpawnedProcess,
    /** local_clock less CLOCK_MONOTONIC; 0 where it could not be read (where the TSC is stable they agree). */
    readonly clockOffsetNs: bigint,
  ) {
    const offsetUs = Number(clockOffsetNs) / 1000;
    process.onStdout((chunk) => {
      const lines = (this.pending + chunk).split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) {
        const record = parseKmsgLine(line);
        if (record) this.records.push({ ...record, usec: Math.round(record.usec - offsetUs) });
      }
    });
  }

  /** Follow the target's kernel log from now on (older records are read too, and filtered by time). */
  static async start(target: Target): Promise<KernelLogCapture> {
    const { files } = await target.snapshot(SCHED_DEBUG_PATHS);
    const offsets = files.map((text) => (text === null ? undefined : logClockOffsetNs(text)));
    const offsetNs = offsets.find((o) => o !== undefined) ?? 0n;
    return new KernelLogCapture(await target.spawn(['cat', '/dev/kmsg']), offsetNs);
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
