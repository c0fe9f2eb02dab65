/**
 * The agent is copied alone to machines reached over ssh, so the built file may import nothing but
 * Node's own modules; and a copy of it, alone in an empty directory, must serve the protocol.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AgentClient } from './client.js';
import { agentScript } from './location.js';

describe('the agent file', () => {
  it("imports nothing but node: modules (the built file's static and dynamic imports)", async () => {
    const source = await readFile(agentScript(), 'utf8');
    const imports = ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
    expect(imports.length).toBeGreaterThan(3);
    expect(imports.filter((name) => !name.startsWith('node:'))).toEqual([]);
    expect(source).not.toMatch(/\brequire\s*\(/);
  });

  it('serves from a copy alone in an empty directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bondlab-test-agent-alone-'));
    try {
      const copy = join(dir, 'agent.mjs');
      await copyFile(agentScript(), copy);
      const child = spawn(process.execPath, [copy, '--stdio'], { cwd: dir });
      const client = new AgentClient(child.stdout, child.stdin);
      const hello = await client.hello;
      expect(hello.node).toBe(process.versions.node);
      expect((await client.exec(['echo', 'alone'])).stdout).toBe('alone\n');
      await client.shutdown();
      expect((await once(child, 'exit'))[0]).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
