/**
 * Claims on the bond's state, its kernel log, traffic and the recorded timeline, evaluated into
 * named checks that say what was expected and what the target showed. Pure: the runner supplies
 * state and context. Each claim kind's evaluation is in its module (claims/).
 */
import type { BondSnapshot } from '../bond/status.js';
import type { Claim } from '../scenario/plan.js';
import type { CheckResult } from './check-result.js';
import type { CheckContext } from './claims/definition.js';
import { claimDefinition } from './claims/registry.js';

export { isFailed, isInconclusive, type CheckResult } from './check-result.js';
export type { CheckContext } from './claims/definition.js';

/** A value written with its object keys sorted and undefined fields left out: the same value, the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A claim's stable id: its kind and its parameters (`slave-mii{"expected":"down","slave":{"index":0}}`), never its wording. */
export function claimId(claim: Claim): string {
  const { kind, ...parameters } = claim;
  return `${kind}${canonical(parameters)}`;
}

export function evaluateOne(claim: Claim, state: BondSnapshot, context: CheckContext): CheckResult {
  return { id: claimId(claim), ...claimDefinition(claim).evaluate(claim, state, context) };
}

export function evaluate(claims: Claim[], state: BondSnapshot, context: CheckContext): CheckResult[] {
  return claims.map((claim) => evaluateOne(claim, state, context));
}
