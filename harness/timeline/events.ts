/**
 * The timeline of a scenario case: everything that happened, on the target's monotonic clock
 * (nanoseconds, as decimal strings in JSON). Faults, steps, state samples and kernel-log events
 * share this one type so that checks and reports read a single sequence.
 */
import type { Fault } from '../scenario/plan.js';

export interface FaultEvent {
  kind: 'fault';
  fault: Fault['kind'];
  /** The DUT-side interface it hit (eth0...), when it hit one. */
  slave?: string;
  detail: string;
  /** When its command was issued, on the target's clock: the fault's time. */
  startNs: bigint;
  /** When its command returned; under emulation that can be hundreds of ms after the kernel reacted. */
  endNs: bigint;
  /** When the kernel saw it: the earliest bond reaction after issue (a kernel-log line or a changed sample). */
  seenNs?: bigint;
  /** What showed it: the kernel-log line, or "state sample". */
  seenBy?: string;
}

export interface StepEvent {
  kind: 'step';
  index: number;
  step: string;
  startNs: bigint;
  endNs: bigint;
  outcome: 'ok' | 'failed' | 'error' | 'inconclusive';
}

/** The bond's state as sampled: the few fields a timeline chart needs, the full status stays in checks. */
export interface SampleEvent {
  kind: 'sample';
  /** When the sampler began to read. */
  atNs: bigint;
  /** When the read ended, if later: the state shown held at some instant in [atNs, readNs]. */
  readNs?: bigint;
  activeSlave: string | null;
  bondMii: string;
  slaves: { name: string; mii: string; linkFailures: number }[];
}

export interface KernelEvent {
  kind: 'kernel';
  atNs: bigint;
  /** The recognised bonding event kind, or 'other'. */
  event: string;
  bond?: string;
  slave?: string;
  text: string;
}

export type TimelineEvent = FaultEvent | StepEvent | SampleEvent | KernelEvent;

export function eventTimeNs(event: TimelineEvent): bigint {
  return 'atNs' in event ? event.atNs : event.startNs;
}
