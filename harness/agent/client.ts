import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { LineDecoder, PROTOCOL_VERSION, encodeLine } from './main.js';
import type { ProcessOutcome, Snapshot, RemoteError, Reply, Request } from './protocol.js';
import type { ExecOptions, ExecResult, SpawnOptions, SpawnedProcess } from '../target/target.js';

/** The agent stopped answering: it exited, its transport closed, or the VM around it died. */
export class AgentGoneError extends Error {
  override name = 'AgentGoneError';
}

/** The agent answered with an error: the remote command could not start, a file could not be read. */
export class RemoteCallError extends Error {
  override name = 'RemoteCallError';
  constructor(readonly remote: RemoteError) {
    const what = remote.argv ? ` (${remote.argv.join(' ')})` : remote.path ? ` (${remote.path})` : '';
    super(`agent: ${remote.code}: ${remote.message}${what}`);
  }
}

interface Pending {
  resolve(value: ProcessOutcome | Snapshot | string | null): void;
  reject(error: Error): void;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface AgentHello {
  version: number;
  pid: number;
  kernel: string;
  /** The Node.js version the agent runs on (process.versions.node). */
  node: string;
  clockNs: bigint;
}

type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

function toResult(argv: string[], outcome: ProcessOutcome): ExecResult {
  return {
    argv,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stdout: Buffer.from(outcome.stdout, 'base64').toString('utf8'),
    stderr: Buffer.from(outcome.stderr, 'base64').toString('utf8'),
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
  };
}

/** The host side of the agent protocol over any pair of byte streams. */
export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private gone: AgentGoneError | undefined;
  readonly hello: Promise<AgentHello>;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly describeFailure: () => string = () => '',
    /** Awaited before the client gives up on a closed transport: the VM waits for qemu to finish its console. */
    private readonly beforeGone: () => Promise<void> = async () => undefined,
  ) {
    let helloResolve!: (hello: AgentHello) => void;
    let helloReject!: (error: Error) => void;
    this.hello = new Promise((resolve, reject) => {
      helloResolve = resolve;
      helloReject = reject;
    });
    this.hello.catch(() => undefined);
    const decoder = new LineDecoder();
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      for (const line of decoder.push(chunk)) {
        const reply = JSON.parse(line) as Reply;
        if (reply.kind === 'hello') {
          if (reply.version !== PROTOCOL_VERSION) {
            helloReject(new Error(`agent speaks protocol ${reply.version}, this bondlab speaks ${PROTOCOL_VERSION}`));
          }
          helloResolve({
            version: reply.version,
            pid: reply.pid,
            kernel: reply.kernel,
            node: reply.node,
            clockNs: BigInt(reply.clockNs),
          });
          continue;
        }
        this.dispatch(reply);
      }
    });
    const onGone = (reason: string) => {
      void this.beforeGone().then(() => helloReject(this.markGone(reason)));
    };
    input.on('end', () => onGone('the agent closed its connection'));
    input.on('close', () => onGone('the agent connection closed'));
    input.on('error', (error) => onGone(`the agent connection failed: ${error.message}`));
    output.on('error', (error) => onGone(`the agent connection failed: ${error.message}`));
  }

  /** Fail every call in flight and every later call; the first reason wins. */
  markGone(reason: string): AgentGoneError {
    if (!this.gone) {
      const detail = this.describeFailure();
      this.gone = new AgentGoneError(detail ? `${reason}\n${detail}` : reason);
      for (const call of this.pending.values()) call.reject(this.gone);
      this.pending.clear();
    }
    return this.gone;
  }

  private dispatch(reply: Exclude<Reply, { kind: 'hello' }>): void {
    const call = this.pending.get(reply.id);
    if (!call) return;
    switch (reply.kind) {
      case 'stdout':
        call.onStdout?.(Buffer.from(reply.data, 'base64').toString('utf8'));
        return;
      case 'stderr':
        call.onStderr?.(Buffer.from(reply.data, 'base64').toString('utf8'));
        return;
      case 'ok':
        this.pending.delete(reply.id);
        call.resolve(reply.value);
        return;
      case 'error':
        this.pending.delete(reply.id);
        call.reject(new RemoteCallError(reply.error));
        return;
    }
  }

  private call(
    body: RequestBody,
    streams: Partial<Pick<Pending, 'onStdout' | 'onStderr'>> = {},
  ): { id: number; done: Promise<ProcessOutcome | Snapshot | string | null> } {
    const id = this.nextId++;
    if (this.gone) return { id, done: Promise.reject(this.gone) };
    const done = new Promise<ProcessOutcome | Snapshot | string | null>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...streams });
    });
    this.output.write(encodeLine({ ...body, id }));
    return { id, done };
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { done } = this.call({
      op: 'exec',
      argv,
      netns: options.netns,
      timeoutMs: options.timeoutMs,
      input: options.input === undefined ? undefined : Buffer.from(options.input).toString('base64'),
      env: options.env,
      cwd: options.cwd,
    });
    return toResult(argv, (await done) as ProcessOutcome);
  }

  async spawn(argv: string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
    const stdoutListeners: ((chunk: string) => void)[] = [];
    const stderrListeners: ((chunk: string) => void)[] = [];
    const { id, done } = this.call(
      { op: 'spawn', argv, netns: options.netns, env: options.env },
      {
        onStdout: (chunk) => stdoutListeners.forEach((listener) => listener(chunk)),
        onStderr: (chunk) => stderrListeners.forEach((listener) => listener(chunk)),
      },
    );
    const exited = done.then((outcome) => toResult(argv, outcome as ProcessOutcome));
    exited.catch(() => undefined);
    return {
      argv,
      onStdout: (listener) => stdoutListeners.push(listener),
      onStderr: (listener) => stderrListeners.push(listener),
      exited,
      kill: async (signal = 'SIGTERM') => {
        await this.call({ op: 'kill', target: id, signal }).done;
      },
      write: async (data, end = false) => {
        await this.call({ op: 'stdin', target: id, data: Buffer.from(data).toString('base64'), end }).done;
      },
    };
  }

  async readFile(path: string): Promise<Buffer> {
    return Buffer.from((await this.call({ op: 'readFile', path }).done) as string, 'base64');
  }

  async writeFile(path: string, data: Buffer | string): Promise<void> {
    await this.call({ op: 'writeFile', path, data: Buffer.from(data).toString('base64') }).done;
  }

  async snapshot(paths: string[]): Promise<{ clockNs: bigint; readNs: bigint; files: (string | null)[] }> {
    const value = (await this.call({ op: 'snapshot', paths }).done) as Snapshot;
    return { clockNs: BigInt(value.clockNs), readNs: BigInt(value.readNs), files: value.files };
  }

  async clockNs(): Promise<bigint> {
    return BigInt((await this.call({ op: 'clock' }).done) as string);
  }

  /** Ask the agent to exit; resolves once it has said goodbye or is gone. */
  async shutdown(): Promise<void> {
    if (this.gone) return;
    await this.call({ op: 'shutdown' }).done.catch(() => undefined);
    this.markGone('the agent was shut down');
  }

  /** Wait for the connection to end (used after shutdown, and by tests). */
  async closed(): Promise<void> {
    if (this.gone) return;
    await once(this.input, 'close');
  }
}
