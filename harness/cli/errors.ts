/** Exit codes every bondlab command uses. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad input or a broken environment: reported plainly, exit code 2, nothing touched. */
export class UsageError extends Error {
  override name = 'UsageError';
}
