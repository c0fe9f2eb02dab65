/** What a scenario's YAML may hold: plain values only (no tags), aliases that resolve and do not explode. */
import { isCollection, isScalar, visit, type Document } from 'yaml';
import { LIMITS } from './limits.js';
import { nodePath, type Locator, type Path } from './locate.js';
import type { InputError } from './plan.js';

/** Tags YAML's core schema resolves; any other (!!binary, !!set, !custom) is refused. */
const PLAIN_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

export function tagErrors(doc: Document, locate: Locator): InputError[] {
  const errors: InputError[] = [];
  visit(doc, (_key, node, ancestors) => {
    if ((isScalar(node) || isCollection(node)) && node.tag && !PLAIN_TAGS.has(node.tag)) {
      const tag = node.tag.replace('tag:yaml.org,2002:', '!!');
      errors.push(
        locate.error(
          nodePath(ancestors, node),
          `YAML tag ${tag} is not accepted: a scenario holds plain texts, numbers, lists and mappings`,
        ),
      );
    }
  });
  return errors;
}

/** The document as plain data; an alias without an anchor, or aliases that expand too far (an alias bomb), is an error at the alias. */
export function toPlain(doc: Document, locate: Locator): { value: unknown } | { error: InputError } {
  try {
    return { value: doc.toJS({ maxAliasCount: LIMITS.aliasCount }) as unknown };
  } catch (error) {
    const aliases: { path: Path; source: string; resolves: boolean }[] = [];
    visit(doc, {
      Alias(_key, node, ancestors) {
        aliases.push({
          path: nodePath(ancestors, node),
          source: node.source,
          resolves: node.resolve(doc) !== undefined,
        });
      },
    });
    const message = error instanceof Error ? error.message : String(error);
    const unresolved = aliases.find((alias) => !alias.resolves);
    if (unresolved && /unresolved alias/i.test(message)) {
      return {
        error: locate.error(
          unresolved.path,
          `YAML: the alias *${unresolved.source} names no anchor (&${unresolved.source}) before it`,
        ),
      };
    }
    if (aliases[0] && /alias count/i.test(message)) {
      return {
        error: locate.error(
          aliases[0].path,
          `YAML: the aliases expand to more than ${LIMITS.aliasCount} nodes; write the values out`,
        ),
      };
    }
    return { error: locate.error([], `YAML: ${message}`) };
  }
}
