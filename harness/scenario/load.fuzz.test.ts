/**
 * The loader against mutated copies of the shipped scenarios: keys deleted, duplicated, renamed
 * and swapped, values replaced by odd numbers, texts, nulls, huge, negative, NaN, infinite and
 * nested junk, lines of the YAML text dropped, doubled and swapped. Whatever comes in, the loader
 * answers with cases or with errors that say where, and never throws.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { LIMITS } from './limits.js';
import { loadScenarioText } from './load.js';
import { MODES, type ScenarioCase } from './plan.js';
import { SCENARIO_SCHEMA } from './schema.js';

type Json = Record<string, unknown>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? yamlFiles(join(dir, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

const shipped: unknown[] = yamlFiles('scenarios').flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as unknown),
);

/** Every key the language knows, at any depth, and some that objects have anyway. */
function keysOf(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) keysOf(item, into);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties') for (const name of Object.keys(value as Json)) into.add(name);
      keysOf(value, into);
    }
  }
  return into;
}
const KEYS = [...keysOf(SCENARIO_SCHEMA), '__proto__', 'constructor', 'toString', 'x'];

const oddNumber = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0,
    1,
    1.5,
    -0.5,
    255,
    256,
    1023,
    1024,
    65535,
    65536,
    300001,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 53,
    1e20,
    1e308,
    -1e308,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.integer(),
  fc.double(),
);
const oddText = fc.oneof(
  fc.constantFrom(
    '',
    'x',
    'build',
    '${mode}',
    '${nope}',
    'slave0',
    'slave9',
    'active',
    'none',
    '999.999.999.999',
    '0.0.0.0',
    '255.255.255.255',
    'ff02::1',
  ),
  fc.constantFrom(
    '1s',
    '0ms',
    '3600s',
    '3601s',
    '3000000s',
    '-1ms',
    '1.5s',
    'debian:nope',
    'debian:sid',
    'host',
    '/a:/b',
    '100%',
    '250%',
    '0kbit',
    '100mbit',
  ),
  fc.string(),
  fc.string({ minLength: 2000, maxLength: 3000 }),
);
/** Values that often fit somewhere, so that many mutants still expand into cases. */
const plausible = fc.oneof(
  fc.integer({ min: 0, max: 400 }),
  fc.constantFrom('100ms', '1s', 'slave0', 'slave1', 'active', 'up', 'down', true, false, ...MODES),
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  oddNumber,
  oddText,
  fc.constant(null),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(oddNumber, { maxLength: 20 }),
);

type Op =
  | { kind: 'delete' | 'duplicate'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'rename'; at: number; name: string }
  | { kind: 'swap'; at: number; with: number }
  /** The value of the same key somewhere in the shipped scenarios: variants that often stay valid. */
  | { kind: 'borrow'; at: number; pick: number };
type LineOp = { kind: 'drop' | 'double'; at: number } | { kind: 'swap'; at: number; with: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: junk }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: plausible }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('borrow' as const), at: fc.nat(), pick: fc.nat() }) },
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), name: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
);
const lineOp: fc.Arbitrary<LineOp> = fc.oneof(
  fc.record({ kind: fc.constantFrom('drop' as const, 'double' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
);

/** Every place in a value: the container and the key or index there. */
function places(
  value: unknown,
  into: [Json | unknown[], string | number][] = [],
): [Json | unknown[], string | number][] {
  if (Array.isArray(value)) value.forEach((item, i) => (into.push([value, i]), places(item, into)));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      into.push([value as Json, key]);
      places(item, into);
    }
  return into;
}

/** Every value each key has somewhere in the shipped scenarios. */
const corpus = new Map<string, unknown[]>();
for (const [container, key] of places(shipped)) {
  if (typeof key === 'string') corpus.set(key, [...(corpus.get(key) ?? []), (container as Json)[key]]);
}

/** Set an own property, also for names such as __proto__ that plain assignment treats specially. */
function put(target: Json | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(doc: unknown, ops: Op[]): unknown {
  const root = { doc: structuredClone(doc) };
  for (const step of ops) {
    const all = places(root.doc);
    const [container, key] = all[step.at % Math.max(all.length, 1)] ?? [root, 'doc'];
    const value = (container as Json)[key as string];
    switch (step.kind) {
      case 'delete':
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete (container as Json)[key as string];
        break;
      case 'duplicate':
        if (Array.isArray(container)) container.splice(key as number, 0, structuredClone(value));
        else put(container, `${String(key)}`.concat('_'), structuredClone(value));
        break;
      case 'replace':
        put(container, key, structuredClone(step.value));
        break;
      case 'borrow': {
        const values = corpus.get(String(key)) ?? [];
        if (values.length) put(container, key, structuredClone(values[step.pick % values.length]));
        break;
      }
      case 'rename':
        if (!Array.isArray(container)) {
          delete (container as Json)[key as string];
          put(container, step.name, value);
        }
        break;
      case 'swap': {
        const [other, otherKey] = all[step.with % all.length] ?? [container, key];
        const there = (other as Json)[otherKey as string];
        put(other, otherKey, value);
        put(container, key, there);
        break;
      }
    }
  }
  return root.doc;
}

function editLines(text: string, ops: readonly LineOp[]): string {
  const lines = text.split('\n');
  for (const step of ops) {
    const at = step.at % lines.length;
    if (step.kind === 'swap') {
      const other = step.with % lines.length;
      [lines[at], lines[other]] = [lines[other] ?? '', lines[at] ?? ''];
    } else if (step.kind === 'drop') lines.splice(at, 1);
    else lines.splice(at, 0, lines[at] ?? '');
  }
  return lines.join('\n');
}

const DURATION_FIELDS = new Set(['ms', 'timeoutMs', 'withinMs', 'intervalMs', 'withinMsOfFault', 'maxMs', 'minMs']);

/** What a plan that loaded must hold: finite numbers, bounded durations, a known mode. */
function planProblems(cases: ScenarioCase[]): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`${path} is ${value}`);
      const field = path.split('.').at(-1) ?? '';
      if (DURATION_FIELDS.has(field) && (value < 0 || value > LIMITS.durationMs))
        problems.push(`${path} is ${value} ms`);
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
  };
  for (const scenarioCase of cases) {
    if (!(MODES as readonly string[]).includes(scenarioCase.bond.mode))
      problems.push(`${scenarioCase.name}: mode ${scenarioCase.bond.mode}`);
    walk(scenarioCase, scenarioCase.name);
  }
  return problems;
}

const RUNS = 3000;

describe('the scenario loader under fuzzing', () => {
  it('has the shipped scenarios to start from', () => {
    expect(shipped.length).toBeGreaterThan(10);
  });

  it('answers every mutated scenario with cases or located errors, never an exception', () => {
    const outcomes = { cases: 0, errors: 0 };
    const input = fc.record({
      doc: fc.nat(shipped.length - 1),
      ops: fc.array(op, { minLength: 1, maxLength: 4 }),
      lines: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(lineOp, { minLength: 1, maxLength: 2 })),
    });
    fc.assert(
      fc.property(input, ({ doc, ops, lines }) => {
        const text = editLines(stringify(mutate(shipped[doc], ops)) ?? '', lines);
        const { cases, errors } = loadScenarioText(text, 'fuzz.yaml');
        if (errors.length === 0) {
          outcomes.cases++;
          expect(planProblems(cases)).toEqual([]);
          return;
        }
        outcomes.errors++;
        for (const error of errors) {
          expect(error.file).toBe('fuzz.yaml');
          expect(Number.isInteger(error.line) && error.line >= 1).toBe(true);
          expect(Number.isInteger(error.column) && error.column >= 1).toBe(true);
          expect(typeof error.field).toBe('string');
          expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
    // Both ways through the loader are taken: mutants that still expand into cases, and mutants with errors.
    expect(outcomes.cases).toBeGreaterThan(RUNS / 10);
    expect(outcomes.errors).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});
