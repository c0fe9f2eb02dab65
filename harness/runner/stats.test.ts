import { describe, expect, it } from 'vitest';
import { distribution, mannWhitneyU } from './stats.js';

// Reference values from SciPy 1.17.1 (scipy.stats.mannwhitneyu, scipy.stats.permutation_test with
// n_resamples=inf for the exact distribution with ties, numpy.percentile for quartiles).
describe('distribution', () => {
  it('summarises values as numpy.percentile does', () => {
    expect(distribution([108, 120, 0, 221])).toEqual({
      n: 4,
      median: 114,
      min: 0,
      max: 221,
      q1: 81,
      q3: 145.25,
      iqr: 64.25,
      values: [108, 120, 0, 221],
    });
    expect(distribution([0, 0, 176, 0, 0])).toMatchObject({ median: 0, q1: 0, q3: 0, iqr: 0, max: 176 });
    expect(distribution([7])).toMatchObject({ n: 1, median: 7, min: 7, max: 7, iqr: 0 });
  });

  it('refuses no values', () => {
    expect(() => distribution([])).toThrow(/no values/);
  });
});

describe('Mann-Whitney U', () => {
  it('matches scipy exact without ties', () => {
    const result = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(result.method).toBe('exact');
    expect(result.u).toBe(17);
    expect(result.p).toBeCloseTo(0.1111111111111111, 12);
    expect(result.effect).toBeCloseTo(2 * (17 / 20) - 1, 12);
    const apart = mannWhitneyU([1.1, 2.2, 3.3, 4.4, 5.5, 6.6], [7.7, 8.8, 9.9, 10.1, 11.2, 12.3]);
    expect(apart).toMatchObject({ u: 0, effect: -1 });
    expect(apart.p).toBeCloseTo(0.0021645021645021645, 12);
  });

  it('matches scipy permutation_test (exhaustive) with ties, as outages with many zeros have', () => {
    const result = mannWhitneyU([0, 0, 176, 0, 0], [108, 120, 0, 221, 130]);
    expect(result.u).toBe(6);
    expect(result.p).toBeCloseTo(0.16666666666666666, 12);
  });

  it('matches scipy asymptotic (tie and continuity correction) for large samples', () => {
    const x = [...Array.from({ length: 30 }, (_, i) => i), 5, 5, 5];
    const y = [...Array.from({ length: 28 }, (_, i) => i + 4), 10, 10];
    const result = mannWhitneyU(x, y);
    expect(result).toMatchObject({ method: 'normal', u: 381.5 });
    expect(result.p).toBeCloseTo(0.11967954204064683, 6);
  });

  it('gives p = 1 for identical samples and cannot reach significance with one value a side', () => {
    expect(mannWhitneyU([0, 0, 0], [0, 0, 0]).p).toBe(1);
    expect(mannWhitneyU([0], [500]).p).toBe(1);
    // Three against three, completely apart: the smallest two-sided p there is, 2/20.
    expect(mannWhitneyU([1, 2, 3], [7, 8, 9]).p).toBeCloseTo(0.1, 12);
  });
});
