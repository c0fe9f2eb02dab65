/** Where a field of a scenario document is: file, line and column, for errors and the plan's SourceRefs. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { InputError, SourceRef } from './plan.js';

export type Path = (string | number)[];

export function fieldName(path: Path): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

/** Where in the file a path points: the value's node, or with `key` the key itself. */
export class Locator {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(path: Path, key?: string): SourceRef {
    let node = this.doc.getIn(path, true) as Node | undefined;
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (pair && isScalar(pair.key)) node = pair.key;
    }
    // Fall back to the nearest ancestor that exists.
    for (let depth = path.length - 1; !node?.range && depth >= 0; depth--)
      node = this.doc.getIn(path.slice(0, depth), true) as Node | undefined;
    const offset = node?.range?.[0] ?? this.doc.contents?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  error(path: Path, message: string, key?: string): InputError {
    const at = this.at(path, key);
    return { ...at, field: fieldName(key === undefined ? path : [...path, key]), message };
  }
}

/** A node's path from the visitor's ancestors, as Locator takes it. */
export function nodePath(ancestors: readonly unknown[], node: unknown): Path {
  const chain = [...ancestors, node];
  const path: Path = [];
  chain.forEach((parent, i) => {
    if (isSeq(parent)) path.push(parent.items.indexOf(chain[i + 1]));
    else if (isPair(parent) && chain[i + 1] === parent.value && isScalar(parent.key))
      path.push(String(parent.key.value));
  });
  return path;
}
