/**
 * What the user can offer and what they need, from a small YAML file, flags, or both (flags win):
 * the question `bondlab advise` answers. Checked against constraints.schema.json; each error names
 * the file, line, column and field.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { parseDuration } from '../scenario/duration.js';
import type { InputError } from '../scenario/plan.js';
import { readScenarioFile } from '../scenario/read.js';
import schema from './constraints.schema.json' with { type: 'json' };

export type SwitchSupport = 'none' | 'static' | 'lacp';
export type Monitor = 'mii' | 'arp';

export interface Constraints {
  /** What the switch offers: no aggregation, a static aggregation (etherchannel), or LACP (which can also group statically). */
  switch: SwitchSupport;
  /** One flow must go faster than one link. */
  singleFlowFaster: boolean;
  /** Many flows out together must use more than one link. */
  spreadTransmit: boolean;
  /** Traffic in from several peers must arrive over more than one link. */
  spreadReceive: boolean;
  reordering: 'allowed' | 'forbidden';
  duplicates: 'allowed' | 'forbidden';
  /** Longest outage accepted when a cable is pulled (carrier goes down), ms. */
  maxOutageCablePullMs?: number;
  /** Longest outage accepted when the path fails beyond the port while carrier stays up, ms. */
  maxOutageSwitchFailureMs?: number;
  /** The link monitors the user can run; `arp` needs a target that answers. */
  monitoring: Monitor[];
}

/** Nothing offered, nothing needed beyond a working bond: what an empty file or no flags mean. */
export const DEFAULT_CONSTRAINTS: Constraints = {
  switch: 'none',
  singleFlowFaster: false,
  spreadTransmit: false,
  spreadReceive: false,
  reordering: 'allowed',
  duplicates: 'allowed',
  monitoring: ['mii'],
};

/** The file's shape, as the schema describes it. */
interface ConstraintsFile {
  switch?: SwitchSupport;
  singleFlowFaster?: boolean;
  spreadTransmit?: boolean;
  spreadReceive?: boolean;
  reordering?: 'allowed' | 'forbidden';
  duplicates?: 'allowed' | 'forbidden';
  maxOutage?: { cablePull?: string | number; switchFailure?: string | number };
  monitoring?: Monitor[];
}

const validate = new Ajv({ allErrors: true, strictNumbers: true }).compile<ConstraintsFile>(schema);

function field(pointer: string): string[] {
  return pointer.split('/').slice(1);
}

function message(error: ErrorObject): string {
  const params = error.params as { allowedValues?: unknown[]; additionalProperty?: string };
  if (error.keyword === 'enum') return `must be one of ${(params.allowedValues ?? []).join(', ')}`;
  if (params.additionalProperty)
    return `unknown field "${params.additionalProperty}" (known: ${Object.keys(schema.properties).join(', ')})`;
  if (error.instancePath.startsWith('/maxOutage/'))
    return 'must be a duration such as 300ms or 2s (or a number of ms up to 3600000)';
  return error.message ?? 'is not valid';
}

/** The constraints a YAML text states, or every error in it with its place. */
export function parseConstraints(text: string, file: string): { constraints: Constraints } | { errors: InputError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset));
  if (doc.errors.length) {
    const [first] = doc.errors;
    const { line, col } = at(first?.pos[0]);
    return {
      errors: [
        { file, line, column: col, field: '', message: `YAML: ${first?.message.split('\n')[0] ?? 'cannot be read'}` },
      ],
    };
  }
  const value: unknown = doc.toJS() ?? {};
  if (!validate(value)) {
    const errors = (validate.errors ?? [])
      // oneOf repeats its branches' complaints; one message per place is enough.
      .filter((error, i, all) => all.findIndex((e) => e.instancePath === error.instancePath) === i)
      .map((error): InputError => {
        const path = field(error.instancePath);
        const extra = (error.params as { additionalProperty?: string }).additionalProperty;
        const keyPath = extra ? [...path, extra] : path;
        // An unknown field is pointed at by its key; anything else by its value.
        const parent = path.length ? doc.getIn(path, true) : doc.contents;
        const key =
          extra && isMap(parent)
            ? parent.items.find((pair) => isScalar(pair.key) && pair.key.value === extra)?.key
            : undefined;
        const node = key ?? (keyPath.length ? doc.getIn(keyPath, true) : doc.contents);
        const range = isNode(node) ? node.range : doc.contents?.range;
        const { line, col } = at(range?.[0]);
        return {
          file,
          line,
          column: col,
          field: keyPath
            .map((p) => (/^\d+$/.test(p) ? `[${p}]` : p))
            .join('.')
            .replace(/\.\[/g, '['),
          message: message(error),
        };
      });
    return { errors };
  }
  const spec = value;
  return {
    constraints: withGiven(DEFAULT_CONSTRAINTS, {
      switch: spec.switch,
      singleFlowFaster: spec.singleFlowFaster,
      spreadTransmit: spec.spreadTransmit,
      spreadReceive: spec.spreadReceive,
      reordering: spec.reordering,
      duplicates: spec.duplicates,
      monitoring: spec.monitoring,
      maxOutageCablePullMs:
        spec.maxOutage?.cablePull === undefined ? undefined : parseDuration(spec.maxOutage.cablePull),
      maxOutageSwitchFailureMs:
        spec.maxOutage?.switchFailure === undefined ? undefined : parseDuration(spec.maxOutage.switchFailure),
    }),
  };
}

/** `base` with each field that `given` states (not undefined) replaced: a file over the defaults, flags over a file. */
export function withGiven(
  base: Constraints,
  given: { [K in keyof Constraints]?: Constraints[K] | undefined },
): Constraints {
  return { ...base, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

export async function readConstraintsFile(
  path: string,
): Promise<{ constraints: Constraints } | { errors: InputError[] }> {
  const read = await readScenarioFile(path, path);
  if ('error' in read) return { errors: [read.error] };
  return parseConstraints(read.text, path);
}
