/**
 * The validated plan: what a scenario file says, after schema validation and matrix expansion.
 * Everything downstream (topology, faults, runner, reports) reads these types and never YAML.
 */

import type { FarSide, LacpFlag, LogEventKind, ModeName, SlaveMiiStatus } from '../bond/vocabulary.js';

export { MODES } from '../bond/vocabulary.js';
/**
 * Each fault kind's plan, by the step key that names it. Every module of harness/fault/ adds its
 * own entry (declaration merging), so the plan names no fault module and imports nothing above it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the fault modules
export interface FaultPlans {}
export type Fault = FaultPlans[keyof FaultPlans];
export type { FarSide, LacpFlag, LogEventKind, ModeName };

/** Where a plan element came from, for error messages and reports. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

/**
 * A slave as a scenario names it: `slave0`, `slave1`, ... (index into the bond's slaves),
 * or `active` (whichever slave is active when the step runs).
 */
export type SlaveRef = { index: number } | { active: true };

export interface TopologyPlan {
  /** Number of slaves (veth pairs), at least 1. */
  slaves: number;
  farSide: FarSide;
  /** Client hosts behind the far side. */
  clients: number;
  /** Whether an ARP target host exists (needed when arp_interval is set). */
  arpTarget: boolean;
  /** A rate limit on every link, like a real NIC's speed (tc tbf rate, e.g. 100mbit); veths have none. */
  linkRate?: string;
  /** Extra one-way latency per slave link in ms (the bond's transmit side), as unequal real links have. */
  linkDelaysMs?: number[];
}

/** A bond taken from the user's configuration files (`bond: { from, name }`). */
export interface ConfigBondRef {
  /** The files, as absolute paths. */
  files: string[];
  name: string;
  /** Bring the bond up with this tool in the target; absent: bondlab writes the options through sysfs. */
  apply?: 'ifupdown' | 'networkd' | 'networkmanager';
}

export interface BondPlan {
  mode: ModeName;
  /** Driver options by their sysfs/ip-link name: miimon, arp_interval, arp_ip_target, updelay, ... */
  options: Record<string, string | number | string[]>;
  /** The user's configuration this bond was taken from (`bond: { from, name }`), and the tool that applies it. */
  config?: ConfigBondRef;
}

/**
 * A claim on bond state, kernel-log events, traffic or the recorded timeline; each becomes one
 * named check in the results. Every claim kind's module (harness/check/claims/) adds its own
 * entry by its kind (declaration merging), so the plan names no claim module.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the claim modules
export interface ClaimPlans {}
export type Claim = ClaimPlans[keyof ClaimPlans];

/** What a timeline claim follows: one slave's MII status, the active slave, or the bond's MII status. */
export type TimelineSubject =
  { kind: 'slave-mii'; slave: { index: number } } | { kind: 'active-slave' } | { kind: 'bond-mii' };
/** A state of a subject: an MII status, or for the active slave a slave (slaveN) or none. */
export type TimelineState = SlaveMiiStatus | `slave${number}` | 'none';
/** One state of a sequence, with how long it must last (bounds in ms, inclusive). */
export interface TimedState {
  state: TimelineState;
  atLeastMs?: number;
  atMostMs?: number;
}
/**
 * Where a timeline claim's window begins: the latest fault's issue, the case's start, this step's
 * start, or an earlier step's start (by index). Absent: the latest fault, or the case's start before any.
 */
export type TimelineOrigin = { kind: 'fault' } | { kind: 'start' } | { kind: 'now' } | { kind: 'step'; index: number };

/** A traffic step: start probe flows (settings as the scenario gave them) or stop and measure them. */
export interface TrafficStep {
  action: 'start' | 'stop';
  settings: {
    flows?: number;
    vary?: 'ports' | 'addresses' | 'clients';
    rate?: number;
    direction?: 'to-clients' | 'from-clients';
    size?: number;
  };
}

export type Step =
  | { kind: 'build'; at: SourceRef }
  | { kind: 'traffic'; traffic: TrafficStep; at: SourceRef }
  | {
      kind: 'throughput';
      settings: {
        streams?: number;
        seconds?: number;
        vary?: 'ports' | 'clients';
        direction?: 'to-clients' | 'from-clients';
      };
      at: SourceRef;
    }
  | { kind: 'fault'; fault: Fault; at: SourceRef }
  | { kind: 'wait'; ms: number; at: SourceRef }
  /** Poll the claims until all hold or the timeout passes; fails the case on timeout. */
  | { kind: 'wait-until'; claims: Claim[]; timeoutMs: number; at: SourceRef }
  /** Check the claims; with withinMs, retry until they hold or the time passes. */
  | { kind: 'expect'; claims: Claim[]; withinMs: number; at: SourceRef }
  | { kind: 'hook'; argv: string[]; netns: 'bond' | 'far' | 'none'; at: SourceRef };

/** One expanded case: a scenario with every matrix variable fixed. */
export interface ScenarioCase {
  /** Stable readable name: `failover-on-link-loss[mode=active-backup,miimon=100]`. */
  name: string;
  scenario: string;
  description?: string;
  /** The matrix values that made this case, in matrix order. */
  parameters: Record<string, string | number>;
  /** A kernel spec for the VM target, when the matrix or the scenario names one. */
  kernel?: string;
  bond: BondPlan;
  topology: TopologyPlan;
  steps: Step[];
  file: string;
  at: SourceRef;
}

/** A problem with an input file, pinned to where it is. */
export interface InputError {
  file: string;
  line: number;
  column: number;
  /** The field path, e.g. `steps[2].fault.slave`. */
  field: string;
  message: string;
}

export function formatInputError(error: InputError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.field ? `${error.field}: ` : ''}${error.message}`;
}
