/** Text in the HTML report: escaping, and times relative to an origin on the target's clock. */
import type { CaseResult } from '../../runner/results.js';
// ---------------------------------------------------------------------------------------------
// Text, numbers and times

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything from a result is text from the target or the scenario file: escape all of it. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Milliseconds from an origin; the subtraction stays in bigint so large uptimes keep their precision. */
export function msSince(origin: bigint, at: bigint): number {
  return Number(at - origin) / 1e6;
}

export function usToMsSince(origin: bigint, us: number): number {
  return msSince(origin, BigInt(Math.round(us * 1000)));
}

export const isFailure = (c: CaseResult) => c.status !== 'passed';
