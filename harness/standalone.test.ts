import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './package-root.js';

/**
 * The repository stands alone: no test or code reads the folders a development machine happens
 * to have beside the checkout. The patterns are assembled from pieces so that this file does not
 * match itself.
 */
const DOTDOT = '\\.\\.';
const OUTSIDE = [
  new RegExp(`${DOTDOT}[/\\\\]shared`),
  new RegExp(`['"]${DOTDOT}['"]\\s*,\\s*['"]shared['"]`),
  new RegExp(['', 'work', ''].join('/')),
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|js|mjs|cjs|json|sh|ya?ml)$/.test(entry.name) ? [path] : [];
  });
}

describe('the repository stands alone', () => {
  const root = packageRoot();
  const files = [
    ...['harness', 'bench', 'fixtures', 'ci', 'scenarios'].flatMap((dir) => sources(join(root, dir))),
    join(root, 'vitest.config.ts'),
    join(root, 'package.json'),
  ];

  it('finds the test files it checks', () => {
    expect(files.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(10);
  });

  it('has no test or code that reads paths outside the repository', () => {
    const hits = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          OUTSIDE.some((pattern) => pattern.test(line)) ? [`${relative(root, file)}:${index + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
  });

  it('would catch a test that reads the shared folder', () => {
    const up = ['..', ['sha', 'red'].join(''), 'data'];
    const sample = [
      `readFileSync('${up.join('/')}/x.txt')`,
      `join(process.cwd(), ${up.map((part) => `'${part}'`).join(', ')})`,
      `'/${['work', ...up.slice(1)].join('/')}'`,
    ];
    expect(sample.map((line) => OUTSIDE.some((pattern) => pattern.test(line)))).toEqual([true, true, true]);
  });
});
