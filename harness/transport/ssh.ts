/**
 * Another machine as a target: OpenSSH's client carries the agent protocol over one session.
 * bondlab copies its single-file agent into a private directory there (`umask 077`, mktemp) over
 * that session's stdin, starts it with the remote `node`, and speaks to it over the same stdin and
 * stdout. The agent ends, removing its directory and ending what it started, when the session
 * ends: on close, on Ctrl-C, and when bondlab dies (ssh's stdin closes with it).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { execa } from 'execa';
import { AgentClient, AgentGoneError } from '../agent/client.js';
import { agentScript } from '../agent/location.js';
import { AgentTarget } from '../agent/agent-target.js';
import { interruption, onTeardown } from '../target/teardown.js';

export interface SshTargetOptions {
  /** `[user@]host`, a `Host` of ~/.ssh/config, or `ssh://[user@]host[:port]`. Bonds need root there. */
  destination: string;
  port?: number;
  /** The private key to log in with; no other key is offered (IdentitiesOnly). */
  identityFile?: string;
  /** The known_hosts file that must hold the machine's host key (ssh's own files otherwise). */
  knownHostsFile?: string;
  /** Record the key of a host never connected to before (a changed key is refused all the same). */
  acceptNewHostKey?: boolean;
  /** More `-o` options (`ProxyJump=bastion`). bondlab's own come first, and ssh keeps an option's first value. */
  sshOptions?: string[];
  /** Seconds for the TCP connection and sshd's greeting (ConnectTimeout); 30 by default. */
  connectTimeoutS?: number;
  /** How long the agent may take to answer once connected, in ms; 120 s by default (node starts slowly on an emulated CPU). */
  readyTimeoutMs?: number;
}

/** ssh could not give bondlab a working agent on the machine: the message names the destination and why. */
export class SshError extends Error {
  override name = 'SshError';
}

/** The oldest Node.js the agent and the traffic probe run on. */
export const MIN_REMOTE_NODE = 20;

/** What the remote command exits with when node is missing, or the private directory cannot be made. */
const NO_NODE = 127;
const NO_DIR = 126;

/** The directory the agent is copied to: `bondlab-agent-<agent pid>-for<pid of the bondlab that started it>-<random>`. */
export const REMOTE_AGENT_DIR = /^bondlab-agent-(\d+)-for(\d+)-[A-Za-z0-9]+$/;

/** Refuse what ssh would read as an option, and what cannot be a host name. */
export function checkDestination(destination: string): void {
  if (!destination || destination.startsWith('-') || /[\s\p{Cc}]/u.test(destination)) {
    throw new SshError(
      `"${destination}" is not an ssh destination: expected [user@]host (no spaces, not starting with "-")`,
    );
  }
}

/** ssh's arguments up to the destination: no forwarding of any kind, no prompts, a host key that must be known. */
export function sshArguments(options: SshTargetOptions): string[] {
  const set = (option: string, value: string | number) => ['-o', `${option}=${value}`];
  return [
    '-T',
    ...set('BatchMode', 'yes'),
    ...set('StrictHostKeyChecking', options.acceptNewHostKey ? 'accept-new' : 'yes'),
    ...set('ConnectTimeout', options.connectTimeoutS ?? 30),
    // A dead network ends the session (and with it the run) within 15 s rather than never.
    ...set('ServerAliveInterval', 5),
    ...set('ServerAliveCountMax', 3),
    ...set('ForwardAgent', 'no'),
    ...set('ForwardX11', 'no'),
    ...set('ClearAllForwardings', 'yes'),
    ...set('PermitLocalCommand', 'no'),
    // A connection of its own with the options above, never one multiplexed into the user's master.
    ...set('ControlMaster', 'no'),
    ...set('ControlPath', 'none'),
    ...set('LogLevel', 'ERROR'),
    ...(options.port !== undefined ? ['-p', String(options.port)] : []),
    ...(options.identityFile ? ['-i', options.identityFile, ...set('IdentitiesOnly', 'yes')] : []),
    ...(options.knownHostsFile ? set('UserKnownHostsFile', options.knownHostsFile) : []),
    ...(options.sshOptions ?? []).flatMap((option) => ['-o', option]),
  ];
}

/**
 * The remote command: a private directory, the agent copied into it from stdin (exactly its size:
 * nothing else is sent until the agent says hello), then the agent in place of the shell, so the
 * directory's name carries the agent's pid. One line without single quotes: any login shell runs it.
 */
export function bootstrapCommand(agentBytes: number, controllerPid = process.pid): string {
  const script = [
    'umask 077',
    `command -v node >/dev/null 2>&1 || { echo "bondlab: no node on the PATH" >&2; exit ${NO_NODE}; }`,
    `d=$(mktemp -d "\${TMPDIR:-/tmp}/bondlab-agent-$$-for${controllerPid}-XXXXXXXX") || exit ${NO_DIR}`,
    `head -c ${agentBytes} > "$d/agent.mjs" || { rm -rf "$d"; exit ${NO_DIR}; }`,
    'exec node "$d/agent.mjs" --stdio --remove-dir',
  ].join('; ');
  return `sh -c '${script}'`;
}

/** Why ssh ended before the agent answered, in words a user can act on. */
export function sshFailure(options: SshTargetOptions, exitCode: number | undefined, stderr: string): string {
  const where = `ssh ${options.destination}${options.port !== undefined ? ` (port ${options.port})` : ''}`;
  const said = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-6).join(' / ')}` : '';
  const knownHosts = options.knownHostsFile ?? "ssh's known_hosts files";
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return `${where}: the host key differs from the one in ${knownHosts}; refused${said}`;
  }
  if (/Host key verification failed|No .* host key is known|host key is not known/i.test(stderr)) {
    return `${where}: the host key is not known (not in ${knownHosts}); refused. Check its fingerprint and add it (ssh-keyscan), or pass --ssh-accept-new-host-key for a host never connected to${said}`;
  }
  if (/Permission denied|Too many authentication failures/i.test(stderr)) {
    return `${where}: authentication refused (key: ${options.identityFile ?? "ssh's default keys and agent"}; no passwords: BatchMode)${said}`;
  }
  if (exitCode === NO_NODE)
    return `${where}: no node on the PATH of a non-interactive ssh session there; install Node.js ${MIN_REMOTE_NODE} or later${said}`;
  if (exitCode === NO_DIR) return `${where}: cannot make a private directory for the agent in TMPDIR or /tmp${said}`;
  if (exitCode === 255) return `${where}: cannot connect${said}`;
  return `${where}: the agent did not start (exit ${exitCode ?? 'none'})${said}`;
}

/** A pause that does not keep bondlab from exiting once everything else is done. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The whole-number major version of a `process.versions.node` string. */
export function nodeMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

export class SshTarget extends AgentTarget {
  readonly kind = 'ssh';
  readonly description: string;
  /** Local script -> its copy in the agent's directory. */
  private readonly copies = new Map<string, Promise<string>>();

  private constructor(
    agent: AgentClient,
    readonly destination: string,
    /** The agent's private directory on the machine; the agent removes it when it ends. */
    readonly remoteDir: string,
    kernel: string,
    readonly nodeVersion: string,
    private readonly unregister: () => Promise<void>,
  ) {
    super(agent);
    this.description = `ssh ${destination} (${kernel}, node ${nodeVersion})`;
  }

  /** Connect, copy the agent and start it; every way this fails is an SshError naming the destination. */
  static async open(options: SshTargetOptions): Promise<SshTarget> {
    checkDestination(options.destination);
    const agentJs = await readFile(agentScript());
    const args = [...sshArguments(options), '--', options.destination, bootstrapCommand(agentJs.length)];
    // A process group of its own: a Ctrl-C reaches bondlab alone, which then stops the agent in order.
    const ssh = execa('ssh', args, {
      reject: false,
      buffer: false,
      detached: true,
      cleanup: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let stderr = '';
    ssh.stderr?.setEncoding('utf8');
    ssh.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const ended = ssh.then((result) => result);
    let exit: { exitCode?: number; failed: boolean; shortMessage?: string } | undefined;
    void ended.then((result) => {
      exit = result;
    });
    const { stdin, stdout } = ssh;
    if (!stdin || !stdout) throw new Error('ssh started without pipes');
    const agent = new AgentClient(
      stdout,
      stdin,
      () =>
        exit
          ? sshFailure(options, exit.exitCode, stderr)
          : `ssh ${options.destination} is still running${stderr ? `: ${stderr.trim()}` : ''}`,
      // Let ssh finish its stderr and exit status first: they say why the session ended.
      () => Promise.race([ended.then(() => undefined), delay(3000)]),
    );
    const unregister = onTeardown(`ssh ${options.destination}`, async () => {
      // An agent that does not answer (a dead network) is not waited for: ending ssh's stdin ends it.
      await Promise.race([agent.shutdown(), delay(5000)]);
      stdin.end();
      const timer = setTimeout(() => ssh.kill('SIGKILL'), 10_000);
      await ended;
      clearTimeout(timer);
    });
    stdin.on('error', () => undefined);
    stdin.write(agentJs);
    try {
      const readyMs = options.readyTimeoutMs ?? 120_000;
      let timer: NodeJS.Timeout | undefined;
      const hello = await Promise.race([
        interruption(),
        agent.hello.catch(async (error: unknown) => {
          if (!(error instanceof AgentGoneError))
            throw new SshError(`ssh ${options.destination}: ${error instanceof Error ? error.message : String(error)}`);
          await Promise.race([ended, delay(5000)]);
          throw new SshError(
            exit?.failed && exit.exitCode === undefined
              ? `ssh ${options.destination}: ${exit.shortMessage ?? 'ssh could not be started'}`
              : sshFailure(options, exit?.exitCode, stderr),
          );
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new SshError(
                  `ssh ${options.destination}: the agent did not answer within ${readyMs / 1000} s${stderr ? `: ${stderr.trim()}` : ''}`,
                ),
              ),
            readyMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (!(nodeMajor(hello.node) >= MIN_REMOTE_NODE)) {
        throw new SshError(
          `ssh ${options.destination}: node ${hello.node} there is older than ${MIN_REMOTE_NODE}; install Node.js ${MIN_REMOTE_NODE} or later`,
        );
      }
      const uid = (await agent.exec(['id', '-u'])).stdout.trim();
      if (uid !== '0')
        throw new SshError(
          `ssh ${options.destination}: logged in as uid ${uid}; bonds and namespaces need root there (log in as root)`,
        );
      const [, script] = (await agent.readFile(`/proc/${hello.pid}/cmdline`)).toString('utf8').split('\0');
      if (!script || !REMOTE_AGENT_DIR.test(basename(dirname(script))))
        throw new SshError(
          `ssh ${options.destination}: the agent runs from an unexpected place (${script ?? 'unknown'})`,
        );
      return new SshTarget(agent, options.destination, dirname(script), hello.kernel, hello.node, unregister);
    } catch (error) {
      await unregister();
      throw error;
    }
  }

  /** bondlab's single-file Node scripts (the traffic probe) run from a copy in the agent's directory. */
  async nodeCommand(script: string): Promise<string[]> {
    let copy = this.copies.get(script);
    if (!copy) {
      const remote = `${this.remoteDir}/${basename(script)}`;
      copy = readFile(script).then(async (data) => {
        await this.writeFile(remote, data);
        return remote;
      });
      void copy.catch(() => this.copies.delete(script));
      this.copies.set(script, copy);
    }
    return ['node', await copy];
  }

  /** Stop the agent (it ends what it started and removes its directory), then the session. */
  async close(): Promise<void> {
    await this.unregister();
  }
}

/** A Target on another machine, reached with OpenSSH. */
export function openSshTarget(options: SshTargetOptions): Promise<SshTarget> {
  return SshTarget.open(options);
}
