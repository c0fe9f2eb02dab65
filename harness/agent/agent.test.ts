import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient, AgentGoneError, RemoteCallError } from './client.js';
import { agentScript } from './location.js';

const agentJs = agentScript();

function startAgent(): { client: AgentClient; child: ChildProcessWithoutNullStreams } {
  const child = spawn(process.execPath, [agentJs, '--stdio']);
  const client = new AgentClient(child.stdout, child.stdin);
  return { client, child };
}

describe('agent protocol over stdio', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('says hello with its protocol version and clock', async () => {
    const agent = startAgent();
    child = agent.child;
    const hello = await agent.client.hello;
    expect(hello.version).toBe(1);
    expect(hello.clockNs).toBeGreaterThan(0n);
    const later = await agent.client.clockNs();
    expect(later).toBeGreaterThan(hello.clockNs);
  });

  it('runs a command and returns exit code, stdout and stderr', async () => {
    const agent = startAgent();
    child = agent.child;
    const result = await agent.client.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('passes stdin through', async () => {
    const agent = startAgent();
    child = agent.child;
    const result = await agent.client.exec(['cat'], { input: 'hello\nworld' });
    expect(result.stdout).toBe('hello\nworld');
  });

  it('kills a command that outlives its timeout, children included', async () => {
    const agent = startAgent();
    child = agent.child;
    const began = Date.now();
    const result = await agent.client.exec(['sh', '-c', 'sleep 30 & sleep 30'], { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(Date.now() - began).toBeLessThan(5000);
  });

  it('carries megabytes of output intact', async () => {
    const agent = startAgent();
    child = agent.child;
    const result = await agent.client.exec(['sh', '-c', 'head -c 6000000 /dev/zero | tr "\\0" x; echo; seq 1 200000']);
    expect(result.exitCode).toBe(0);
    const [xs, ...numbers] = result.stdout.trimEnd().split('\n');
    expect(xs).toHaveLength(6_000_000);
    expect(numbers).toHaveLength(200_000);
    expect(numbers.at(-1)).toBe('200000');
  });

  it('reports a command that cannot start with its argv', async () => {
    const agent = startAgent();
    child = agent.child;
    const error = await agent.client.exec(['/nonexistent/tool', '--flag']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteCallError);
    expect((error as RemoteCallError).remote).toMatchObject({ code: 'ENOENT', argv: ['/nonexistent/tool', '--flag'] });
  });

  it('runs calls concurrently and matches replies to requests', async () => {
    const agent = startAgent();
    child = agent.child;
    const slow = agent.client.exec(['sh', '-c', 'sleep 0.3; echo slow']);
    const fast = agent.client.exec(['echo', 'fast']);
    expect((await fast).stdout).toBe('fast\n');
    expect((await slow).stdout).toBe('slow\n');
  });

  it('streams output of a spawned process and stops it on request', async () => {
    const agent = startAgent();
    child = agent.child;
    const proc = await agent.client.spawn([
      'sh',
      '-c',
      'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done',
    ]);
    const lines: string[] = [];
    await new Promise<void>((resolve) => {
      proc.onStdout((chunk) => {
        lines.push(...chunk.trim().split('\n'));
        if (lines.length >= 3) resolve();
      });
    });
    await proc.kill('SIGTERM');
    const result = await proc.exited;
    expect(result.signal).toBe('SIGTERM');
    expect(lines[0]).toBe('tick 0');
  });

  it("writes to a spawned process's stdin as it runs, and closes it on request", async () => {
    const agent = startAgent();
    child = agent.child;
    const proc = await agent.client.spawn(['sh', '-c', 'while read line; do echo "got $line"; done; echo eof']);
    let out = '';
    const waiters: (() => void)[] = [];
    // Listen before writing: the reply can come back before write() resolves.
    proc.onStdout((chunk) => {
      out += chunk;
      for (const waiter of waiters.splice(0)) waiter();
    });
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (out.includes(text) ? resolve() : waiters.push(check));
        check();
      });
    await proc.write('one\n');
    await seen('got one\n');
    await proc.write('two\n', true);
    const result = await proc.exited;
    expect(result.exitCode).toBe(0);
    expect(out).toBe('got one\ngot two\neof\n');
  });

  it('reads and writes files, and names the path when it cannot', async () => {
    const agent = startAgent();
    child = agent.child;
    const path = `/tmp/bondlab-agent-test-${process.pid}`;
    await agent.client.writeFile(path, Buffer.from([0, 1, 2, 255]));
    expect([...(await agent.client.readFile(path))]).toEqual([0, 1, 2, 255]);
    await agent.client.exec(['rm', '-f', path]);
    const error = await agent.client.readFile('/nonexistent/file').catch((e: unknown) => e);
    expect((error as RemoteCallError).message).toContain('/nonexistent/file');
  });

  it('reads several files at one instant with the clock reading', async () => {
    const agent = startAgent();
    child = agent.child;
    const before = await agent.client.clockNs();
    const snap = await agent.client.snapshot(['/proc/uptime', '/nonexistent/file']);
    expect(snap.clockNs).toBeGreaterThan(before);
    expect(snap.files[0]).toMatch(/^\d+\.\d+ /);
    expect(snap.files[1]).toBeNull();
  });

  it('fails calls in flight when the agent dies mid-call', async () => {
    const agent = startAgent();
    child = agent.child;
    await agent.client.hello;
    const call = agent.client.exec(['sleep', '10']);
    setTimeout(() => agent.child.kill('SIGKILL'), 100);
    await expect(call).rejects.toBeInstanceOf(AgentGoneError);
    await expect(agent.client.exec(['true'])).rejects.toBeInstanceOf(AgentGoneError);
  });

  it('shuts down on request', async () => {
    const agent = startAgent();
    child = agent.child;
    await agent.client.hello;
    await agent.client.shutdown();
    const [code] = (await once(agent.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
