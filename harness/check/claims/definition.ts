/**
 * What a claim kind is made of: its YAML keys in an expect step (schema and translation), how it
 * is judged into a named check (whose name is its description in reports), and the slaves it
 * names. Each kind is one module of this folder, listed in registry.ts.
 */
import type { BondSnapshot, SlaveStatus } from '../../bond/status.js';
import { slaveRef } from '../../scenario/fragments.js';
import type { FarSide, SlaveRef } from '../../scenario/plan.js';
import type { FaultEvent, KernelEvent } from '../../timeline/events.js';
import type { ThroughputResult } from '../../traffic/throughput.js';
import type { TrafficWindow } from '../../traffic/window.js';
import type { CheckResult } from '../check-result.js';
import type { RecordedTimeline } from '../timeline-claims.js';

export interface CheckContext {
  /** The state sampled just before the latest fault, if any fault happened. */
  before?: BondSnapshot;
  latestFault?: FaultEvent;
  /** Kernel-log events since the latest fault (or the case start). */
  kernelEvents: KernelEvent[];
  slaveName(index: number): string;
  /** The latest finished traffic window, for traffic claims. */
  traffic?: TrafficWindow;
  /** The latest throughput measurement. */
  throughput?: ThroughputResult;
  /** The generated ARP target's address, for the arp-target token. */
  arpTarget?: string;
  /** The far side's aggregation bond's MAC, when the far side is a LAG. */
  farSideMac?: string;
  /** The case's recorded timeline, for sequence and never claims. */
  recorded?: RecordedTimeline;
}

type Json = Record<string, unknown>;

/** Mappings inside an expect step that hold the keys of several claim kinds (`traffic: { maxOutage, maxLoss }`). */
export type ClaimGroup = 'traffic';

export interface ClaimSyntax<C> {
  /** Where its keys are written: the expect mapping itself, or inside a group's mapping. */
  group?: ClaimGroup;
  /** Its keys and the schema of each one's value. */
  keys: Record<string, object>;
  /** Keys of the expect mapping that qualify its claims (since, during) rather than make one; a key several kinds share is written once. */
  options?: Record<string, object>;
  /** Option keys that are valid only beside one of these keys (JSON Schema `dependencies`). */
  dependencies?: Record<string, string[]>;
  /**
   * The claims its schema-valid keys make. `given` holds the keys of this kind that were written:
   * one at a time in the expect mapping (in the file's order), all of them at once in a group;
   * `expect` is the whole expect mapping, for the options.
   */
  translate(given: Json, expect: Json): C[];
}

export interface ClaimDefinition<C extends { kind: string }> {
  syntax: ClaimSyntax<C>;
  /** The claim judged on the bond's state and the case so far; the check's name describes it in reports. */
  evaluate(claim: C, state: BondSnapshot, context: CheckContext): CheckResult;
  /** The slaves it names besides a `slave` field, so that a scenario naming a slave the bond lacks is refused. */
  slaves?(claim: C): SlaveRef[];
  /** Why the claim cannot be judged where the case puts it (what no schema can say), checked when the scenario is loaded. */
  refuse?(claim: C, place: ClaimPlace): Refusal[];
}

/** Where a claim stands in its case, for the rules no schema can say. */
export interface ClaimPlace {
  farSide: FarSide;
  /** The index of its step. */
  step: number;
  /** Whether a fault step comes before it. */
  afterFault: boolean;
}

/** A claim that cannot be judged where it is: why, and the key of its expect step that is at fault. */
export interface Refusal {
  message: string;
  key?: string;
}

/** A slave reference as an interface name: the indexed slave, or whichever is active now. */
export function refName(ref: SlaveRef | null, context: CheckContext, state: BondSnapshot): string | null {
  if (ref === null) return null;
  return 'index' in ref ? context.slaveName(ref.index) : (state.status.activeSlave ?? null);
}

/** A slave reference in words: `slave0 (eth0)`, `the active slave`. */
export function label(ref: SlaveRef | null, context: CheckContext): string {
  if (ref === null) return 'none';
  return 'index' in ref ? `slave${ref.index} (${context.slaveName(ref.index)})` : 'the active slave';
}

export function slaveStatus(state: BondSnapshot, name: string | null): SlaveStatus | undefined {
  return state.status.slaves.find((s) => s.name === name);
}

/** A map of slaves to values (`slaveMii: { slave0: down }`). */
export const slaveMap = (value: object) => ({ type: 'object', propertyNames: slaveRef, additionalProperties: value });

/** The entries of a schema-valid slave map. */
export const entriesOf = (map: unknown) => Object.entries((map ?? {}) as Json);
