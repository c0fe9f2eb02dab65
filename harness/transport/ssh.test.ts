/**
 * The ssh transport's parts that need no sshd: its arguments, the remote command (run here by a
 * local sh, exactly as the remote login shell runs it), and the words for ssh's failures. The
 * transport against a real sshd is harness/transport/ssh.vm.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../agent/client.js';
import { agentScript } from '../agent/location.js';
import {
  REMOTE_AGENT_DIR,
  SshError,
  bootstrapCommand,
  checkDestination,
  nodeMajor,
  sshArguments,
  sshFailure,
} from './ssh.js';

/** Whether a process runs (a zombie waiting for its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The value each `-o Key=value` sets (ssh keeps an option's first value). */
function optionValues(args: string[]): Map<string, string> {
  const values = new Map<string, string>();
  args.forEach((arg, i) => {
    const [key, value] = (args[i - 1] === '-o' ? arg : '').split('=');
    if (key && value !== undefined && !values.has(key)) values.set(key, value);
  });
  return values;
}

describe('ssh arguments', () => {
  it('allow no prompt, no forwarding, no shared master, and a host key that must be known', () => {
    const values = optionValues(sshArguments({ destination: 'root@dut' }));
    expect(Object.fromEntries(values)).toMatchObject({
      BatchMode: 'yes',
      StrictHostKeyChecking: 'yes',
      ForwardAgent: 'no',
      ForwardX11: 'no',
      ClearAllForwardings: 'yes',
      ControlMaster: 'no',
      ControlPath: 'none',
      PermitLocalCommand: 'no',
    });
    expect(Number(values.get('ConnectTimeout'))).toBeGreaterThan(0);
  });

  it('accept a new host key only when asked, and never let the user undo their own options', () => {
    const args = sshArguments({
      destination: 'dut',
      acceptNewHostKey: true,
      sshOptions: ['StrictHostKeyChecking=no', 'ForwardAgent=yes', 'ProxyJump=bastion'],
    });
    const values = optionValues(args);
    expect(values.get('StrictHostKeyChecking')).toBe('accept-new');
    expect(values.get('ForwardAgent')).toBe('no');
    expect(values.get('ProxyJump')).toBe('bastion');
  });

  it('pass the port, the key (and no other) and the known_hosts file', () => {
    const args = sshArguments({ destination: 'dut', port: 2222, identityFile: '/k/id', knownHostsFile: '/k/known' });
    expect(args.join(' ')).toContain('-p 2222');
    expect(args.join(' ')).toContain('-i /k/id');
    expect(Object.fromEntries(optionValues(args))).toMatchObject({
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: '/k/known',
    });
  });

  it('refuse a destination ssh would read as an option, or one with spaces', () => {
    for (const bad of ['-oProxyCommand=touch /tmp/x', 'root@dut; reboot', '', 'a\nb'])
      expect(() => checkDestination(bad), bad).toThrow(SshError);
    for (const good of ['dut', 'root@dut', 'root@192.0.2.7', 'root@[2001:db8::1]', 'ssh://root@dut:2222'])
      expect(() => checkDestination(good), good).not.toThrow();
  });
});

describe('the remote command, run by a local sh as the remote shell runs it', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function bootstrap(env: Record<string, string>) {
    const agent = await readFile(agentScript());
    const shell = execa('/bin/sh', ['-c', bootstrapCommand(agent.length)], {
      reject: false,
      buffer: false,
      env,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let stderr = '';
    shell.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const { stdin, stdout } = shell;
    if (!stdin || !stdout) throw new Error('sh started without pipes');
    stdin.write(agent);
    return { shell, stderr: () => stderr, client: new AgentClient(stdout, stdin) };
  }

  it('copies the agent into a private directory named for it and its bondlab, and starts it there', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'bondlab-test-ssh-'));
    dirs.push(tmp);
    const { shell, client } = await bootstrap({ TMPDIR: tmp });
    const hello = await client.hello;
    const [dirName] = await readdir(tmp);
    const match = REMOTE_AGENT_DIR.exec(dirName ?? '');
    expect(match?.slice(1, 3)).toEqual([String(hello.pid), String(process.pid)]);
    const dir = join(tmp, dirName ?? '');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'agent.mjs'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'agent.mjs'))).toEqual(await readFile(agentScript()));
    expect((await client.exec(['sh', '-c', 'umask'])).stdout.trim()).toBe('0077');
    // Its session ends (bondlab died, or the network went): the agent ends what it started and removes its directory.
    const sleeper = await client.spawn(['sh', '-c', 'echo $$; exec sleep 600']);
    const sleeperPid = await new Promise<number>((resolve) =>
      sleeper.onStdout((chunk) => resolve(Number(chunk.trim()))),
    );
    expect(running(sleeperPid)).toBe(true);
    shell.stdin?.end();
    const result = await shell;
    expect(result.exitCode).toBe(0);
    expect(existsSync(dir)).toBe(false);
    await expect.poll(() => running(sleeperPid), { timeout: 10_000 }).toBe(false);
  });

  it('exits 127 with a reason when node is not on the PATH, leaving nothing', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'bondlab-test-ssh-'));
    dirs.push(tmp);
    const { shell, stderr } = await bootstrap({ TMPDIR: tmp, PATH: '/nonexistent' });
    const result = await shell;
    expect(result.exitCode).toBe(127);
    expect(sshFailure({ destination: 'root@dut' }, result.exitCode, stderr())).toMatch(
      /^ssh root@dut: no node on the PATH .*install Node\.js 20/,
    );
    expect(await readdir(tmp)).toEqual([]);
  });

  it('is one line without single quotes inside its sh -c quoting', () => {
    const command = bootstrapCommand(12345, 4242);
    expect(command).toMatch(/^sh -c '[^'\n]+'$/);
    expect(command).toContain('head -c 12345');
    expect(command).toContain('bondlab-agent-$$-for4242-XXXXXXXX');
    expect(basename(dirname('/tmp/bondlab-agent-10-for20-abcDEF12/agent.mjs'))).toMatch(REMOTE_AGENT_DIR);
  });
});

describe("ssh's failures, in words", () => {
  // ssh's stderr as OpenSSH 9.2p1 printed it (LogLevel=ERROR) against a test sshd.
  const dut = { destination: 'root@127.0.0.1', port: 42722, knownHostsFile: '/k/known_hosts', identityFile: '/k/id' };
  it('a changed host key, an unknown one, a refused key, no connection', () => {
    expect(
      sshFailure(
        dut,
        255,
        '@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key for [127.0.0.1]:42722 has changed and you have requested strict checking.\nHost key verification failed.\n',
      ),
    ).toMatch(/^ssh root@127\.0\.0\.1 \(port 42722\): the host key differs from the one in \/k\/known_hosts; refused/);
    expect(
      sshFailure(
        dut,
        255,
        'No ED25519 host key is known for [127.0.0.1]:42722 and you have requested strict checking.\nHost key verification failed.\n',
      ),
    ).toMatch(/^ssh root@127\.0\.0\.1 \(port 42722\): the host key is not known \(not in \/k\/known_hosts\); refused/);
    expect(sshFailure(dut, 255, 'root@127.0.0.1: Permission denied (publickey).\n')).toMatch(
      /^ssh root@127\.0\.0\.1 \(port 42722\): authentication refused \(key: \/k\/id/,
    );
    expect(sshFailure(dut, 255, 'ssh: connect to host 127.0.0.1 port 42722: Connection refused\n')).toMatch(
      /^ssh root@127\.0\.0\.1 \(port 42722\): cannot connect: .*Connection refused/,
    );
  });

  it('reads the major version of node', () => {
    expect(nodeMajor('20.19.1')).toBe(20);
    expect(nodeMajor('18.20.0')).toBeLessThan(20);
    expect(nodeMajor('')).toBeNaN();
  });
});
