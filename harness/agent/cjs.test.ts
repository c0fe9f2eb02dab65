/** The CommonJS agent the VM starts (build-cjs.ts): the same agent as main.js, and never a stale one. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentClient } from './client.js';
import { agentCjsScript, agentScript } from './location.js';

describe('the CommonJS agent', () => {
  it('is built from this main.js, requires only node: modules, and serves the protocol', async () => {
    const script = agentCjsScript();
    const source = await readFile(script, 'utf8');
    const required = [...source.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
    expect(required.length).toBeGreaterThan(3);
    expect(required.filter((name) => !name?.startsWith('node:') && name !== 'url')).toEqual([]);
    expect(source).not.toMatch(/\bimport\s*\(|import\.meta/);
    const child = spawn(process.execPath, [script, '--stdio']);
    const client = new AgentClient(child.stdout, child.stdin);
    expect((await client.hello).node).toBe(process.versions.node);
    expect((await client.exec(['echo', 'cjs'])).stdout).toBe('cjs\n');
    await client.shutdown();
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('is refused when missing or built from another main.js', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondlab-test-agent-cjs-'));
    try {
      const esm = join(dir, 'main.js');
      await copyFile(agentScript(), esm);
      expect(() => agentCjsScript(esm)).toThrow(/main\.cjs is missing: run "npm run build"/);
      await copyFile(agentCjsScript(), join(dir, 'main.cjs'));
      expect(agentCjsScript(esm)).toBe(join(dir, 'main.cjs'));
      await writeFile(esm, `${await readFile(esm, 'utf8')}\n// changed\n`);
      expect(() => agentCjsScript(esm)).toThrow(/built from another main\.js/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
