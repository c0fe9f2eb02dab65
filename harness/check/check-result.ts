/** A claim's verdict as a named check: what was claimed, and what the target showed. */

/** One named check: what was claimed, and what the target showed. */
export interface CheckResult {
  /**
   * The claim's stable id: its kind and parameters (`slave-mii{"expected":"down","slave":{"index":0}}`),
   * the same in every run whatever the wording; `compare` keys checks by it. Absent from results
   * written before it existed (they are keyed by name).
   */
  id?: string;
  name: string;
  /** False also when inconclusive: an undecided claim has not passed. */
  passed: boolean;
  expected: string;
  actual: string;
  /**
   * Set when the measurement itself was disturbed (the probe's sender stalled, the kernel's timers
   * ran late, the kernel's log contradicts the probe) so that it can neither pass nor fail the
   * claim: why, in words and numbers. Such a check is inconclusive.
   */
  disturbed?: string;
}

/** A check that neither passed nor failed. */
export function isInconclusive(check: CheckResult): boolean {
  return !check.passed && check.disturbed !== undefined;
}

/** A check that failed on a measurement that can be trusted. */
export function isFailed(check: CheckResult): boolean {
  return !check.passed && check.disturbed === undefined;
}

/** A check the measurement cannot decide, with the reason. */
export function doubt(name: string, expected: string, actual: string, reason: string): CheckResult {
  return { name, passed: false, expected, actual, disturbed: reason };
}

export function check(name: string, passed: boolean, expected: unknown, actual: unknown): CheckResult {
  const show = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'nothing'));
  return { name, passed, expected: show(expected), actual: show(actual) };
}
