/**
 * Bounds on scenario input. Anything beyond them is refused at validate time with an error that
 * names the file, instead of exhausting memory, hanging on a special file, or passing validation
 * and then doing something other than what was written (a timer past 2^31 ms fires at once).
 */

/** The driver's upper bound for its int options (miimon, updelay, arp_interval, ...): INT_MAX. */
export const INT_MAX = 2 ** 31 - 1;

export const LIMITS = {
  /** A scenario file larger than this is not read. */
  fileBytes: 1024 * 1024,
  /** Cases one scenario's matrix may expand to. */
  casesPerScenario: 1000,
  /** Cases all files given at once may expand to. */
  casesInAll: 10_000,
  /** Steps in one scenario. */
  steps: 200,
  /** Any duration (wait, within, timeout, interval, delays): one hour. */
  durationMs: 3_600_000,
  /** Errors listed per file; the rest are counted. */
  errorsPerFile: 100,
  /** YAML alias expansion (the yaml library's measure of nodes copied through aliases). */
  aliasCount: 100,
} as const;
