import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../package-root.js';

// Two bondlab processes on one lab machine, as two Node processes taking the lock through the host target.
const holderScript = (dir: string, name: string) => `
const { lockLab } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/lab/lock.js'))});
const { HostTarget } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/target/host.js'))});
const lock = await lockLab(new HostTarget(), {
  holder: '${name}', dir: ${JSON.stringify(dir)}, onWait: (heldBy) => console.log('waiting for ' + heldBy),
});
console.log('locked');
process.stdin.once('data', async () => { await lock.release(); console.log('released'); process.exit(0); });
`;

const running: ResultPromise[] = [];

function start(dir: string, name: string): { lines: string[]; process: ResultPromise } {
  const child = execa('node', ['--input-type=module', '-e', holderScript(dir, name)], { reject: false });
  running.push(child);
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
  return { lines, process: child };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the lab lock', () => {
  let dir = '';
  afterEach(async () => {
    for (const child of running.splice(0)) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a second run wait, with who holds the lab, until the first releases it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-lock-test-'));
    const first = start(join(dir, 'locks'), 'run A');
    await until(() => first.lines.includes('locked'));
    expect(((await stat(join(dir, 'locks'))).mode & 0o777).toString(8)).toBe('700');
    const second = start(join(dir, 'locks'), 'run B');
    await until(() => second.lines.includes('waiting for run A'));
    // Still waiting a while later: the first run holds the lab.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(second.lines).not.toContain('locked');
    first.process.stdin?.write('release\n');
    await until(() => first.lines.includes('released'));
    await until(() => second.lines.includes('locked'));
  }, 30_000);

  it('is free again when its holder is killed with SIGKILL', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-lock-test-'));
    const first = start(join(dir, 'locks'), 'run A');
    await until(() => first.lines.includes('locked'));
    const second = start(join(dir, 'locks'), 'run B');
    await until(() => second.lines.includes('waiting for run A'));
    first.process.kill('SIGKILL');
    await until(() => second.lines.includes('locked'));
  }, 30_000);
});
