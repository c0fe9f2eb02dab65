/** What the advisor answers: the modes ranked for the user's constraints, each reason with its evidence. */
import type { Constraints } from './constraints.js';
import type { DocumentedStatement, ModeName } from './vocabulary.js';

export type Measurement =
  'outageLinkLossMs' | 'outageDetachMs' | 'txSlaves' | 'singleFlowSlaves' | 'rxSlaves' | 'reordered' | 'duplicates';

/** One cell of a mode-matrix run: what was measured, where. */
export interface MeasuredCell {
  kind: 'measured';
  mode: ModeName;
  measurement: Measurement;
  name: string;
  value: number;
  case: string;
  kernel: string;
  results: string;
}

export type Evidence = MeasuredCell | DocumentedStatement;

export interface Reason {
  /** rules-out: a constraint this mode cannot meet; meets: one it meets; favours/against: a preference between fitting modes. */
  effect: 'rules-out' | 'meets' | 'favours' | 'against' | 'unmeasured';
  text: string;
  evidence: Evidence[];
}

export interface OptionAdvice {
  option: string;
  value: string;
  reason: string;
  evidence: Evidence[];
}

export interface ModeAdvice {
  rank: number;
  mode: ModeName;
  /** No constraint ruled it out and every measurement needed was there. */
  fits: boolean;
  reasons: Reason[];
  options: OptionAdvice[];
}

export interface Advice {
  constraints: Constraints;
  source: { results: string; runId: string; kernel: string };
  ranking: ModeAdvice[];
}
