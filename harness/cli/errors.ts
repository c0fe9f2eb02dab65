/**
 * Exit codes every bondlab command uses. 3: nothing failed, but some claim could not be decided
 * because its measurement was disturbed (a run with only passes and inconclusives is neither a
 * clean pass nor a regression).
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2, inconclusive: 3 } as const;

/** Bad input or a broken environment: reported plainly, exit code 2, nothing touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}
