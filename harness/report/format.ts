/** Numbers as every report and step description writes them: milliseconds, durations, percentages, rates. */

/** A time in ms: one decimal below 10 ms, whole ms above. */
export function ms(value: number): string {
  return Math.abs(value) < 10 && value !== 0 ? `${value.toFixed(1)} ms` : `${value.toFixed(0)} ms`;
}

/** A time from a reference, with its sign: `+12 ms`, `-3 ms`, `? ms` when unknown. */
export function signedMs(value: number | undefined): string {
  return value === undefined ? '? ms' : `${value < 0 ? '' : '+'}${value.toFixed(0)} ms`;
}

/** A run's or case's length: ms below a second, seconds below two minutes, then minutes and seconds. */
export function duration(value: number): string {
  if (value < 1000) return `${value.toFixed(0)} ms`;
  if (value < 120_000) return `${(value / 1000).toFixed(1)} s`;
  return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
}

/** A ratio (0.25) as a percentage (25.00%). */
export function percent(ratio: number, digits = 2): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** Bits per second as Mbit/s with one decimal. */
export function mbps(bitsPerSecond: number): string {
  return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
}
