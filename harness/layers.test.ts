import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './package-root.js';

/**
 * Layers point one way: no import cycle between files (type-only imports included: a type ties two
 * modules as much as a value does; ESLint's import-x/no-cycle checks the runtime imports), the
 * machine layers never import the scenario and run layers above them, and nothing imports cli/.
 */
const root = join(packageRoot(), 'harness');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Each module's relative imports, as paths under harness/ (`runner/run.ts`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const imported = ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((entry) => entry.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(root, resolve(dirname(file), name)).replace(/\.js$/, '.ts'))
      .filter((name) => !name.startsWith('..') && name.endsWith('.ts'));
    graph.set(relative(root, file), [...new Set(imported)]);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member !== undefined) component.push(member);
      } while (member !== undefined && member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

const folderOf = (file: string) => (file.includes('/') ? (file.split('/')[0] ?? file) : '(harness)');

describe('layers point down', () => {
  const graph = importGraph();

  it('reads the import graph of harness/', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('runner/run.ts')).toContain('target/target.ts');
  });

  it('keeps the machine layers at the bottom: target/, bond/, agent/, vm/ and container/ import nothing above them', () => {
    // Registries tie scenario/, steps/, fault/ and check/ both ways by design (a kind's module holds its
    // syntax and its action); the machine layers below must never learn of scenarios or runs.
    const machine = ['target', 'bond', 'agent', 'vm', 'container', '(harness)'];
    const upward = [...graph].flatMap(([file, imports]) =>
      machine.includes(folderOf(file))
        ? imports.filter((target) => !machine.includes(folderOf(target))).map((target) => `${file} -> ${target}`)
        : [],
    );
    expect(upward).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the CLI on top: no module outside cli/ imports it', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      folderOf(file) === 'cli'
        ? []
        : imports.filter((target) => folderOf(target) === 'cli').map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });
});
