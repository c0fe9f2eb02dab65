/**
 * The little statistics that repeated runs need: a distribution's summary, and the Mann-Whitney U
 * test for "did this measurement move between two runs", which assumes nothing about the shape of
 * outages and losses (mostly zeros, with a few large values under emulation).
 */

export interface Distribution {
  /** How many values (repetitions that measured it). */
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartile (linear interpolation, as numpy's default percentile). */
  q1: number;
  q3: number;
  /** The spread: q3 - q1. */
  iqr: number;
  /** The values in run order. */
  values: number[];
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lower = Math.floor(at);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[Math.min(lower + 1, sorted.length - 1)] ?? low;
  return low + (high - low) * (at - lower);
}

export function distribution(values: number[]): Distribution {
  if (values.length === 0) throw new Error('distribution of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const [q1, median, q3] = [0.25, 0.5, 0.75].map((q) => quantile(sorted, q)) as [number, number, number];
  return {
    n: values.length,
    median,
    min: sorted[0] ?? median,
    max: sorted[sorted.length - 1] ?? median,
    q1,
    q3,
    iqr: q3 - q1,
    values,
  };
}

export interface MannWhitney {
  /** U of the first sample: pairs (x, y) with x > y, ties counting half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** exact: the permutation distribution of the rank sum (ties as midranks); normal: the large-sample approximation with tie and continuity correction. */
  method: 'exact' | 'normal';
  /** Rank-biserial correlation, -1..1: 2 P(x > y) - 1; positive when the first sample tends to be larger. */
  effect: number;
}

/** Midranks (1-based) of the pooled values, and the sizes of the tie groups. */
function midranks(pooled: number[]): { ranks: number[]; ties: number[] } {
  const order = pooled.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(pooled.length).fill(0);
  const ties: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
    for (let k = start; k <= end; k++) ranks[order[k]?.index ?? 0] = (start + end) / 2 + 1;
    ties.push(end - start + 1);
    start = end + 1;
  }
  return { ranks, ties };
}

/** Beyond this many pooled values the exact distribution is left to the normal approximation. */
const EXACT_LIMIT = 60;

/**
 * P(rank sum of a random n1-subset <= r) and P(>= r), counted exactly: a subset-sum count over the
 * doubled midranks (whole numbers), so ties are handled without approximation.
 */
function exactTails(ranks: number[], n1: number, observed: number): { lower: number; upper: number } {
  const doubled = ranks.map((r) => Math.round(r * 2));
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  // ways[k][s]: subsets of k of the values seen so far whose doubled ranks sum to s.
  const ways = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  const first = ways[0];
  if (first) first[0] = 1;
  for (const r of doubled) {
    for (let k = n1; k >= 1; k--) {
      const into = ways[k];
      const from = ways[k - 1];
      if (!into || !from) continue;
      for (let s = maxSum; s >= r; s--) into[s] = (into[s] ?? 0) + (from[s - r] ?? 0);
    }
  }
  const counts = ways[n1] ?? new Float64Array(0);
  const target = Math.round(observed * 2);
  let total = 0;
  let lower = 0;
  let upper = 0;
  counts.forEach((count, s) => {
    total += count;
    if (s <= target) lower += count;
    if (s >= target) upper += count;
  });
  return { lower: lower / total, upper: upper / total };
}

/** The standard normal's upper tail, from erfc (Numerical Recipes' Chebyshev fit, error < 1.2e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** The Mann-Whitney U test of x against y, two-sided. Both samples need at least one value. */
export function mannWhitneyU(x: number[], y: number[]): MannWhitney {
  const [n1, n2] = [x.length, y.length];
  if (n1 === 0 || n2 === 0) throw new Error('Mann-Whitney U needs at least one value on each side');
  const { ranks, ties } = midranks([...x, ...y]);
  const rankSum = ranks.slice(0, n1).reduce((a, b) => a + b, 0);
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const effect = (2 * u) / (n1 * n2) - 1;
  const n = n1 + n2;
  if (n <= EXACT_LIMIT) {
    const { lower, upper } = exactTails(ranks, n1, rankSum);
    return { u, p: Math.min(1, 2 * Math.min(lower, upper)), method: 'exact', effect };
  }
  const tieTerm = ties.reduce((sum, t) => sum + (t ** 3 - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (sigma === 0) return { u, p: 1, method: 'normal', effect };
  const z = (Math.max(u, n1 * n2 - u) - (n1 * n2) / 2 - 0.5) / sigma;
  return { u, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', effect };
}
