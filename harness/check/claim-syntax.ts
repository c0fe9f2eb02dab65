/**
 * The claims of an expect step (and of wait: { until }): their schema, and their translation from
 * a schema-valid YAML mapping into the plan's claims, both assembled from the claim kinds
 * (claims/registry.ts).
 */
import { parseDuration } from '../scenario/duration.js';
import { duration } from '../scenario/fragments.js';
import type { Claim } from '../scenario/plan.js';
import type { ClaimDefinition, ClaimGroup } from './claims/definition.js';
import { CLAIM_GROUPS, CLAIMS } from './claims/registry.js';

type Json = Record<string, unknown>;
type AnyDefinition = ClaimDefinition<Claim>;

const definitions = Object.values(CLAIMS) as AnyDefinition[];

/** Which kind writes each key of the expect mapping, and which kinds write into each group. */
const owners = new Map<string, AnyDefinition>();
const members = new Map<ClaimGroup, AnyDefinition[]>();
for (const definition of definitions) {
  const { group, keys } = definition.syntax;
  if (group) members.set(group, [...(members.get(group) ?? []), definition]);
  else for (const key of Object.keys(keys)) owners.set(key, definition);
}

function expectSchema(): object {
  const properties: Record<string, object> = {};
  const groups: Partial<Record<ClaimGroup, Record<string, object>>> = {};
  const dependencies: Record<string, string[]> = {};
  // A shared option is written once, right after the last kind that takes it.
  const lastTaker = new Map<string, AnyDefinition>();
  for (const definition of definitions)
    for (const option of Object.keys(definition.syntax.options ?? {})) lastTaker.set(option, definition);
  const add = (into: Record<string, object>, key: string, schema: object) => {
    if (key in into) throw new Error(`the expect key ${key} is written by two claim kinds`);
    into[key] = schema;
  };
  for (const definition of definitions) {
    const { group, keys, options = {} } = definition.syntax;
    if (group) {
      if (!groups[group]) {
        groups[group] = {};
        properties[group] = {};
      }
      for (const [key, schema] of Object.entries(keys)) add(groups[group], key, schema);
    } else for (const [key, schema] of Object.entries(keys)) add(properties, key, schema);
    for (const [option, schema] of Object.entries(options))
      if (lastTaker.get(option) === definition) properties[option] = schema;
    Object.assign(dependencies, definition.syntax.dependencies);
  }
  for (const [group, keys] of Object.entries(groups))
    properties[group] = { ...CLAIM_GROUPS[group as ClaimGroup], properties: keys };
  properties.within = duration;
  return { type: 'object', additionalProperties: false, minProperties: 1, dependencies, properties };
}

export const EXPECT_SCHEMA = expectSchema();

/** The keys of `given` that a kind writes. */
function pick(given: Json, keys: object): Json {
  return Object.fromEntries(Object.entries(given).filter(([key]) => key in keys));
}

export function expectClaims(spec: Json): { claims: Claim[]; withinMs: number } {
  const claims: Claim[] = [];
  for (const [key, value] of Object.entries(spec)) {
    const owner = owners.get(key);
    if (owner) claims.push(...owner.syntax.translate({ [key]: value }, spec));
    for (const member of members.get(key as ClaimGroup) ?? []) {
      const given = pick(value as Json, member.syntax.keys);
      if (Object.keys(given).length) claims.push(...member.syntax.translate(given, spec));
    }
  }
  return { claims, withinMs: spec.within === undefined ? 0 : parseDuration(spec.within as string | number) };
}
