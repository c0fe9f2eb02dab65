import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';
import { IMAGE_LABEL, IMAGE_PACKAGES } from './image.js';

describe('the container image', () => {
  const dockerfile = readFileSync(join(packageRoot(), 'fixtures', 'container', 'Dockerfile'), 'utf8');

  it('is the same image whether built offline or from the Dockerfile: same packages, same label', () => {
    const installed = /apt-get install[^\n]*\\\n([\s\S]*?)&&/
      .exec(dockerfile)?.[1]
      ?.split(/\s+/)
      .filter((word) => word && word !== '\\');
    expect(installed?.sort()).toEqual([...IMAGE_PACKAGES].sort());
    expect(dockerfile).toContain(`LABEL ${IMAGE_LABEL}=target`);
  });
});
