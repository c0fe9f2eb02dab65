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
  outcome: 'ok' | 'failed' | 'error';
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
  /** `interrupted`: a signal (Ctrl-C) cut the case short; what it measured until then is kept. */
  status: 'passed' | 'failed' | 'error' | 'interrupted';
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
  /** `interrupted` is absent from results written before bondlab kept interrupted runs. */
  summary: { total: number; passed: number; failed: number; errors: number; interrupted?: number };
  /** Set when a signal stopped the run: which, and how many cases it left unstarted. */
  interruption?: { signal: string; notRun: number };
}

/** JSON with bigint nanosecond timestamps written as decimal strings. */
export function resultsToJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
