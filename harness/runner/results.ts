/**
 * Results: one structured object per case, and one per run. Reporters read exactly these.
 */
import type { Advice } from '../advise/advice.js';
import type { FaultCapture } from '../capture/capture.js';
import type { LabRecord } from '../lab/record.js';
import type { CheckResult } from '../check/assertions.js';
import type { FailoverTiming } from '../check/failover.js';
import type { Distribution } from './stats.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';
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
  /** The parts of durationMs spent waiting rather than working; absent when the step did not wait. */
  waits?: StepWaits;
  error?: string;
}

/** What a step waited for, in ms of its durationMs: benchmarks count these as the kernel's or the scenario's time, not the harness's. */
export interface StepWaits {
  /**
   * For a new bond to settle (MII up; in 802.3ad an LACP partner and every port distributing): from
   * the first reading of its state to the start of the last reading that found it not yet settled.
   */
  settleMs?: number;
  /** For the windows of `never ... during` claims to close, from when the step began waiting until their configured end. */
  windowMs?: number;
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
  /** Set by `bondlab merge`: the shard (`i/n`) whose run this case came from. */
  shard?: string;
  /** On a shard's run: the case's place in the whole suite's listed order, which `bondlab merge` restores. */
  suiteIndex?: number;
  /**
   * inconclusive: no claim failed, but one could not be decided because the measurement was disturbed (its check says why);
   * interrupted: a signal (Ctrl-C) cut the case short; what it measured until then is kept.
   */
  status: 'passed' | 'failed' | 'error' | 'inconclusive' | 'interrupted';
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
  /** With --capture: each fault's packets (pcapng files in the run directory) and their table. */
  captures?: FaultCapture[];
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
  /** This run was one shard (`i/n`) of a suite; `bondlab merge` labels each case with it instead. */
  shard?: string;
  /** Set by `bondlab merge`: the run directories joined into this one. */
  mergedFrom?: string[];
  targets: string[];
  cases: CaseResult[];
  /** `inconclusive` and `interrupted` are absent from results written before those verdicts existed. */
  summary: {
    total: number;
    passed: number;
    failed: number;
    errors: number;
    inconclusive?: number;
    interrupted?: number;
  };
  /** Set when a signal stopped the run: which, and how many cases it left unstarted. */
  interruption?: { signal: string; notRun: number };
  /** With --repeat: each case's repetitions together. Absent when no case ran more than once. */
  repeats?: CaseRepeats[];
  /** Set by `bondlab advise --run-matrix`: the modes ranked for the user's constraints from this run. */
  advice?: Advice;
  /** With --lab: the lab file, each NIC's driver, firmware, bus, speed, duplex and permanent MAC, and every command the run issued on the target. */
  lab?: LabRecord;
}

export type MeasurementUnit = 'ms' | 'ratio' | 'count' | 'bit/s' | 'factor' | 'pps' | 'slaves';

/** One measurement over a case's repetitions, e.g. `traffic window 1: outage` in ms. */
export interface MeasurementDistribution extends Distribution {
  name: string;
  unit: MeasurementUnit;
  /** One of the few numbers summaries show (outage, loss, failover times, throughput); the HTML report and this file have them all. */
  headline: boolean;
  /** What the values mean when they look odd: negative failover reactions. */
  note?: string;
}

/** A case's repetitions (same name, same target) as one result: how often it passed, how its measurements spread. */
export interface CaseRepeats {
  name: string;
  scenario: string;
  file: string;
  target: string;
  runs: number;
  /** How many repetitions ended in each status. */
  outcomes: Partial<Record<CaseResult['status'], number>>;
  /** passed / runs. */
  passRate: number;
  /** Passed in some repetitions and failed in others: the claim holds only sometimes. */
  flaky: boolean;
  measurements: MeasurementDistribution[];
}

/** A run's counts of its cases' verdicts. */
export function runSummary(cases: CaseResult[]): RunResult['summary'] {
  const count = (status: CaseResult['status']) => cases.filter((r) => r.status === status).length;
  return {
    total: cases.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    inconclusive: count('inconclusive'),
    interrupted: count('interrupted'),
  };
}

/** JSON with bigint nanosecond timestamps written as decimal strings. */
export function resultsToJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/**
 * The inverse of resultsToJson for a parsed results.json: every field named `...Ns` holding a
 * decimal string becomes the bigint it was (only timestamps on the target's clock end in Ns).
 */
export function reviveNanos(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveNanos);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key.endsWith('Ns') && typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : reviveNanos(v),
    ]),
  );
}
