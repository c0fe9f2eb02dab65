/**
 * Scenario files to validated plans. Every problem becomes an InputError pinned to the file,
 * line and column of the offending key or value, with the field path and what was expected;
 * nothing is run while any error stands.
 */
import { relative } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { buildCases } from './cases.js';
import { LIMITS } from './limits.js';
import { Locator } from './locate.js';
import { countCombinations } from './matrix.js';
import type { InputError, ScenarioCase } from './plan.js';
import { resolveConfigBond } from '../config/scenario.js';
import { collectFiles, readScenarioFile } from './read.js';
import { foldErrors, show } from './schema-errors.js';
import { scenarioValidators } from './validators.js';
import { valueErrors } from './values.js';
import { tagErrors, toPlain } from './yaml-input.js';

type Json = Record<string, unknown>;

const { top: validateTop, steps: validateStep } = await scenarioValidators();

function matches(name: string, filter: string | undefined): boolean {
  if (!filter) return true;
  if (!filter.includes('*')) return name.includes(filter);
  const re = new RegExp(
    `^${filter
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** How many cases the document's matrix makes, when it has the shape of a matrix. */
function matrixSize(spec: Json): bigint | undefined {
  const matrix = spec.matrix ?? {};
  if (
    typeof matrix !== 'object' ||
    matrix === null ||
    Array.isArray(matrix) ||
    !Object.values(matrix).every(Array.isArray)
  )
    return undefined;
  return countCombinations(matrix as Record<string, unknown[]>);
}

/** At most LIMITS.errorsPerFile errors of one file, and how many more there are. */
function capped(errors: InputError[]): InputError[] {
  const next = errors[LIMITS.errorsPerFile];
  if (!next) return errors;
  return [
    ...errors.slice(0, LIMITS.errorsPerFile),
    { ...next, field: '', message: `${errors.length - LIMITS.errorsPerFile} more error(s) in this file not shown` },
  ];
}

type Loaded = { cases: ScenarioCase[]; errors: InputError[] };

/** One document's cases, or its errors. `budget.left` is how many more cases may be made. */
function loadDocument(doc: Document, lines: LineCounter, file: string, budget: { left: number }): Loaded {
  const fail = (...errors: InputError[]): Loaded => ({ cases: [], errors });
  if (doc.errors.length) {
    // The first syntax error is the one to fix; the rest are usually its echoes.
    const [error] = doc.errors;
    if (!error) return fail();
    const { line, col } = lines.linePos(error.pos[0]);
    return fail({ file, line, column: col, field: '', message: `YAML: ${error.message.split('\n')[0] ?? error.code}` });
  }
  const locate = new Locator(file, doc, lines);
  const tags = tagErrors(doc, locate);
  if (tags.length) return fail(...tags);
  const plain = toPlain(doc, locate);
  if ('error' in plain) return fail(plain.error);
  const { value } = plain;
  if (value === null || value === undefined) return fail();
  if (typeof value !== 'object' || Array.isArray(value))
    return fail(locate.error([], 'a scenario is a mapping with name, bond and steps'));
  const spec = value as Json;
  const fromConfig = resolveConfigBond(spec, file);
  if (fromConfig.error) return fail(locate.error(fromConfig.error.path, fromConfig.error.message));
  const docErrors: InputError[] = [];
  const size = matrixSize(spec);
  if (size !== undefined && size > BigInt(LIMITS.casesPerScenario)) {
    docErrors.push(
      locate.error(
        ['matrix'],
        `the matrix makes ${size} cases; a scenario may make at most ${LIMITS.casesPerScenario}`,
      ),
    );
  }
  if (!validateTop(spec)) docErrors.push(...foldErrors(validateTop.errors ?? [], [], spec, locate));
  const steps = Array.isArray(spec.steps) && spec.steps.length <= LIMITS.steps ? spec.steps : [];
  steps.forEach((raw: unknown, i: number) => {
    if (raw === 'build') return;
    const keys = raw && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    const key = keys[0];
    // Own keys only: a step named constructor or __proto__ is no step.
    const validator = key !== undefined && Object.hasOwn(validateStep, key) ? validateStep[key] : undefined;
    if (keys.length !== 1 || !validator || key === undefined) {
      const what =
        typeof raw === 'string' ? `"${raw}"` : keys.length > 1 ? `several keys (${keys.join(', ')})` : show(raw);
      docErrors.push(
        locate.error(
          ['steps', i],
          `unknown step ${what}; a step is build or one of: ${Object.keys(validateStep)
            .filter((k) => k !== 'build')
            .join(', ')}`,
        ),
      );
      return;
    }
    const body = (raw as Json)[key];
    if (!validator(body)) docErrors.push(...foldErrors(validator.errors ?? [], ['steps', i, key], body, locate));
  });
  if (!docErrors.length) docErrors.push(...valueErrors(spec, locate));
  if (docErrors.length || size === undefined) return fail(...docErrors);
  const count = Number(size);
  if (count > budget.left) {
    // Said once per load; later scenarios are still checked, not expanded.
    const said = budget.left < 0;
    budget.left = -1;
    return said
      ? fail()
      : fail(
          locate.error(
            spec.matrix ? ['matrix'] : [],
            `the files given make more than ${LIMITS.casesInAll} cases in all; the ${count} of this scenario are not made`,
          ),
        );
  }
  budget.left -= count;
  const built = buildCases(spec, locate, file);
  if (fromConfig.ref) for (const c of built.cases) c.bond.config = fromConfig.ref;
  return built.errors.length ? fail(...built.errors) : { cases: built.cases, errors: [] };
}

/** The documents of one file's text, loaded one at a time. */
function* loadDocuments(text: string, file: string, budget: { left: number }): Generator<Loaded> {
  const lines = new LineCounter();
  // The core schema whatever %YAML directive a document has: no 1.1 timestamps, binaries or merge keys.
  for (const doc of parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    schema: 'core',
    resolveKnownTags: false,
  })) {
    yield loadDocument(doc, lines, file, budget);
  }
}

/**
 * Parse, validate and expand one file's text; `file` is the name errors carry. `budget.left`
 * is how many more cases may be made (files loaded together share one budget).
 */
export function loadScenarioText(
  text: string,
  file: string,
  budget: { left: number } = { left: LIMITS.casesInAll },
): Loaded {
  const cases: ScenarioCase[] = [];
  const errors: InputError[] = [];
  for (const loaded of loadDocuments(text, file, budget)) {
    cases.push(...loaded.cases);
    errors.push(...loaded.errors);
  }
  return { cases, errors: capped(errors) };
}

export async function loadScenarioFiles(
  paths: string[],
  options: { filter?: string } = {},
): Promise<{ cases: ScenarioCase[]; errors: InputError[] }> {
  const { files, errors } = await collectFiles(paths);
  const cases: ScenarioCase[] = [];
  const names = new Map<string, ScenarioCase>();
  const budget = { left: LIMITS.casesInAll };
  for (const path of files) {
    const near = relative(process.cwd(), path);
    const file = near && !near.startsWith('..') ? near : path;
    const read = await readScenarioFile(path, file);
    if ('error' in read) {
      errors.push(read.error);
      continue;
    }
    const fileErrors: InputError[] = [];
    for (const loaded of loadDocuments(read.text, file, budget)) {
      // Back to the event loop after each document, so that Ctrl-C or SIGTERM handlers can stop a long load.
      await nextTurn();
      fileErrors.push(...loaded.errors);
      for (const scenarioCase of loaded.cases) {
        const twin = names.get(scenarioCase.name);
        if (twin) {
          fileErrors.push({
            ...scenarioCase.at,
            field: 'name',
            message: `case ${scenarioCase.name} is also defined at ${twin.at.file}:${twin.at.line}`,
          });
          continue;
        }
        names.set(scenarioCase.name, scenarioCase);
        cases.push(scenarioCase);
      }
    }
    errors.push(...capped(fileErrors));
  }
  return { cases: errors.length ? cases : cases.filter((c) => matches(c.name, options.filter)), errors };
}
