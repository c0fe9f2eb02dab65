/**
 * What a step kind is made of: the YAML keys that write it (schema and translation), what it does
 * in a case, and how it is described in reports. Each kind is one module of this folder, listed in
 * registry.ts.
 */
import { isFailed, type CheckResult } from '../check/assertions.js';
import type { SourceRef, Step } from '../scenario/plan.js';
import type { CaseSession } from '../runner/session.js';

export type StepKind = Step['kind'];
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

/** One YAML key of the steps list: the schema of its value, and its translation once valid. */
export interface StepSyntax {
  schema: object;
  translate(value: unknown, at: SourceRef): Step;
}

/** What a step did: its checks, a description with what it measured, and whether a claim was left undecided. */
export interface StepOutcome {
  checks: CheckResult[];
  description?: string;
  outcome?: 'inconclusive';
}

export interface StepDefinition<K extends StepKind> {
  /** The YAML keys this kind is written with; empty for a kind another key makes (wait: { until } makes wait-until). */
  syntax: Record<string, StepSyntax>;
  /** Whether the step needs the topology: the runner builds it first when no build step came before. */
  needsTopology: boolean;
  run(session: CaseSession, step: StepOf<K>): Promise<StepOutcome>;
  describe(step: StepOf<K>): string;
}

/** Fails a step with checks that did not hold; the runner records them and stops the case. */
export class ChecksFailed extends Error {
  constructor(readonly checks: CheckResult[]) {
    super(
      checks
        .filter(isFailed)
        .map((c) => `${c.name}: expected ${c.expected}, got ${c.actual}`)
        .join('; '),
    );
  }
}
