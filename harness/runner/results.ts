/**
 * Results: one structured object per case, and one per run. Reporters read exactly these.
 */
import type { CheckResult } from '../check/assertions.js';
import type { FailoverTiming } from '../check/failover.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/engine.js';
import type { ThroughputResult } from '../traffic/throughput.js';

export type { CheckResult };


export interface StepResult {
  index: number;
  kind: string;
  /** What the step did, in words: `detach slave0 (eth0) with ifenslave`. */
  description: string;
  /** inconclusive: a claim the disturbed measurement could not decide; the case goes on. */
  outcome: 'ok' | 'failed' | 'error' | 'inconclusive';
  durationMs: number;
  checks: CheckResult[];
  error?: string;
}

export interface CaseResult {
  name: string;
  scenario: string;
  file: string;
  parameters: Record<string, string | number>;
  /** Which repetition (1-based) when --repeat is used. */
  repetition: number;
  target: string;
  kernel?: string;
  /** inconclusive: no claim failed, but one could not be decided because the measurement was disturbed (its check says why). */
  status: 'passed' | 'failed' | 'error' | 'inconclusive';
  startedAt: string;
  durationMs: number;
  steps: StepResult[];
  timeline: TimelineEvent[];
  /** Every traffic window measured, in order. */
  traffic: TrafficWindow[];
  /** Every throughput measurement, in order. */
  throughput: ThroughputResult[];
  /** Fault -> state change -> delivery again, for every fault inside a traffic window. */
  failovers: FailoverTiming[];
  /**
   * With --retry-inconclusive: the earlier attempts of this case, each inconclusive, oldest first.
   * The case's own fields are its last attempt's.
   */
  attempts?: CaseResult[];
  /** The bond's /proc text at the first failure, for reports. */
  procAtFailure?: string;
  error?: string;
}

export interface RunResult {
  runId: string;
  startedAt: string;
  durationMs: number;
  bondlabVersion: string;
  targets: string[];
  cases: CaseResult[];
  /** inconclusive: absent in results written before the verdict existed. */
  summary: { total: number; passed: number; failed: number; errors: number; inconclusive?: number };
}

/** JSON with bigint nanosecond timestamps written as decimal strings. */
export function resultsToJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
