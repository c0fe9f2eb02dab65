/** ajv's errors as InputErrors: one clear message per place, pinned to the file, line and column. */
import type { ErrorObject } from 'ajv';
import { fieldName, type Locator, type Path } from './locate.js';
import type { InputError } from './plan.js';

type Json = Record<string, unknown>;

function pointerPath(instancePath: string): Path {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describeExpected(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'type':
      return `a value of type ${String(params.type).replace(',', ' or ')}`;
    case 'pattern': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return description ?? `text matching ${String(params.pattern)}`;
    }
    case 'minimum':
      return `a number of at least ${String(params.limit)}`;
    case 'maximum':
      return `a number of at most ${String(params.limit)}`;
    case 'minItems':
      return `at least ${String(params.limit)} item(s)`;
    case 'maxItems':
      return `at most ${String(params.limit)} item(s)`;
    case 'minProperties':
      return `at least ${String(params.limit)} key(s)`;
    case 'maxProperties':
      return `at most ${String(params.limit)} key(s)`;
    case 'minLength':
      return 'a non-empty text';
    case 'uniqueItems':
      return 'no item twice';
    case 'dependencies':
      return `key "${String(params.missingProperty)}" alongside "${String(params.property)}"`;
    default:
      return error.message ?? error.keyword;
  }
}

/** ajv's errors, folded to one clear error per place: alternatives merge, parents of deeper errors drop. */
export function foldErrors(errors: ErrorObject[], base: Path, value: unknown, locate: Locator): InputError[] {
  const out: InputError[] = [];
  const relevant = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'propertyNames'].includes(e.keyword));
  const unknownKeys = relevant.filter((e) => e.keyword === 'additionalProperties');
  const required = relevant.filter((e) => e.keyword === 'required');
  const rest = relevant.filter((e) => e.keyword !== 'additionalProperties' && e.keyword !== 'required');
  const seen = new Set<string>();
  for (const error of unknownKeys) {
    const path = [...base, ...pointerPath(error.instancePath)];
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const allowed = Object.keys((error.parentSchema as { properties?: Json } | undefined)?.properties ?? {});
    const id = `${fieldName(path)}.${key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(
      locate.error(
        path,
        `unknown key "${key}"${allowed.length ? `; expected one of: ${allowed.join(', ')}` : ''}`,
        key,
      ),
    );
  }
  if (out.length) return out;
  for (const error of required) {
    const path = [...base, ...pointerPath(error.instancePath)];
    out.push(
      locate.error(path, `missing key "${String((error.params as { missingProperty: string }).missingProperty)}"`),
    );
  }
  const paths = rest.map((e) => e.instancePath);
  const deepest = rest.filter((e) => !paths.some((p) => p !== e.instancePath && p.startsWith(`${e.instancePath}/`)));
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of deepest) byPath.set(error.instancePath, [...(byPath.get(error.instancePath) ?? []), error]);
  for (const [pointer, group] of byPath) {
    const path = [...base, ...pointerPath(pointer)];
    const actual = pointerPath(pointer).reduce<unknown>(
      (v, part) => (v && typeof v === 'object' ? (v as Json)[part as string] : undefined),
      value,
    );
    const expected = [...new Set(group.map(describeExpected))].join(', or ');
    out.push(
      locate.error(
        path,
        Number.isNaN(actual)
          ? `not a number (.nan); expected ${expected}`
          : `expected ${expected}; got ${show(actual)}`,
      ),
    );
  }
  return out;
}

/** A value as an error message quotes it: YAML's names for what JSON cannot show, long texts cut. */
export function show(value: unknown): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity || value === -Infinity) return value > 0 ? '.inf' : '-.inf';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
