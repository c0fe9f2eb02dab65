import { readFile, writeFile } from 'node:fs/promises';
import { execa, type ResultPromise } from 'execa';
import {
  inNetns,
  type FileSnapshot,
  type ExecOptions,
  type ExecResult,
  type SpawnOptions,
  type SpawnedProcess,
  type Target,
} from './target.js';

function toResult(
  argv: string[],
  result: {
    exitCode?: number;
    signal?: string;
    stdout?: unknown;
    stderr?: unknown;
    timedOut?: boolean;
    durationMs?: number;
  },
): ExecResult {
  return {
    argv,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    timedOut: result.timedOut ?? false,
    durationMs: result.durationMs ?? 0,
  };
}

/** This machine: needs root and a kernel with bonding. */
export class HostTarget implements Target {
  readonly kind = 'host';
  readonly description: string;

  constructor() {
    this.description = `host (${process.platform})`;
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = inNetns(argv, options.netns);
    if (!file) throw new Error('empty argv');
    const result = await execa(file, args, {
      reject: false,
      stripFinalNewline: false,
      timeout: options.timeoutMs,
      input: options.input,
      env: options.env,
      cwd: options.cwd,
      killSignal: 'SIGKILL',
    });
    if (result.failed && result.exitCode === undefined && !result.timedOut && !result.signal) {
      throw new Error(`cannot run ${argv.join(' ')}: ${result.shortMessage}`);
    }
    return toResult(argv, result);
  }

  async spawn(argv: string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
    const [file, ...args] = inNetns(argv, options.netns);
    if (!file) throw new Error('empty argv');
    const child: ResultPromise<{ reject: false; buffer: false; env?: Record<string, string> }> = execa(file, args, {
      reject: false,
      buffer: false,
      env: options.env,
    });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    const exited = child.then((result) => toResult(argv, result));
    return {
      argv,
      onStdout: (listener) => child.stdout?.on('data', listener),
      onStderr: (listener) => child.stderr?.on('data', listener),
      exited,
      kill: async (signal = 'SIGTERM') => {
        child.kill(signal);
      },
      write: async (data, end = false) => {
        await new Promise<void>((resolve, reject) =>
          child.stdin?.write(data, (error) => (error ? reject(error) : resolve())),
        );
        if (end) child.stdin?.end();
      },
    };
  }

  readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async writeFile(path: string, data: Buffer | string): Promise<void> {
    await writeFile(path, data);
  }

  async snapshot(paths: string[]): Promise<FileSnapshot> {
    const clockNs = process.hrtime.bigint();
    const files = await Promise.all(paths.map((path) => readFile(path, 'utf8').catch(() => null)));
    return { clockNs, readNs: process.hrtime.bigint(), files };
  }

  async clockNs(): Promise<bigint> {
    return process.hrtime.bigint();
  }

  async close(): Promise<void> {}
}
