/**
 * Matrix expansion: a scenario with `matrix:` becomes one case per combination of values, in
 * the matrix's key order, each named `name[key=value,...]` (modes shown by name).
 */
import { LIMITS } from './limits.js';
import { MODES } from './plan.js';

export type MatrixValue = string | number | boolean | string[];

export interface Combination {
  /** The values as they will be applied (modes as names). */
  values: Record<string, MatrixValue>;
  /** The stable readable case name. */
  name: string;
}

export function showValue(key: string, value: MatrixValue): string {
  if (key === 'mode' && typeof value === 'number') return MODES[value] ?? String(value);
  return Array.isArray(value) ? value.join('+') : String(value);
}

/** How many cases a matrix makes, counted without making them (exactly: 8 keys of 10 values make 10^8). */
export function countCombinations(matrix: Record<string, unknown[]> | undefined): bigint {
  return Object.values(matrix ?? {}).reduce((count, values) => count * BigInt(values.length), 1n);
}

export function expandMatrix(name: string, matrix: Record<string, MatrixValue[]> | undefined): Combination[] {
  const keys = Object.keys(matrix ?? {});
  if (!matrix || keys.length === 0) return [{ values: {}, name }];
  const count = countCombinations(matrix);
  // The loader refuses such files first, with the place; this guards other callers.
  if (count > BigInt(LIMITS.casesPerScenario))
    throw new Error(`${name}: the matrix makes ${count} cases; at most ${LIMITS.casesPerScenario}`);
  let combinations: Record<string, MatrixValue>[] = [{}];
  for (const key of keys) {
    const next: Record<string, MatrixValue>[] = [];
    for (const partial of combinations) for (const value of matrix[key] ?? []) next.push({ ...partial, [key]: value });
    combinations = next;
  }
  return combinations.map((values) => ({
    values: Object.fromEntries(
      Object.entries(values).map(([key, value]) => [
        key,
        key === 'mode' && typeof value === 'number' ? (MODES[value] ?? value) : value,
      ]),
    ),
    name: `${name}[${keys.map((key) => `${key}=${showValue(key, values[key] as MatrixValue)}`).join(',')}]`,
  }));
}
