/**
 * A Target is a place where bonds can be made: this machine, a QEMU guest, or a privileged container.
 * Every later layer (topology, faults, traffic, sampling) talks to a Target and nothing else.
 */

export interface ExecOptions {
  /** Run inside this network namespace (created with `ip netns add`). */
  netns?: string;
  /** Kill the command after this many milliseconds; the result then has timedOut set. */
  timeoutMs?: number;
  /** Bytes or text written to the command's stdin. */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working directory on the target (the VM sees the host's paths, read-only). */
  cwd?: string;
}

export interface ExecResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface SpawnOptions {
  netns?: string;
  env?: Record<string, string>;
}

/** A long-running process on the target whose output arrives as it is written. */
export interface SpawnedProcess {
  readonly argv: string[];
  onStdout(listener: (chunk: string) => void): void;
  onStderr(listener: (chunk: string) => void): void;
  /** Resolves when the process exits, however it exits. */
  readonly exited: Promise<ExecResult>;
  /** Ask the process to stop (SIGTERM by default). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Write to its stdin; with `end`, close stdin afterwards. */
  write(data: string, end?: boolean): Promise<void>;
}

export interface FileSnapshot {
  /** Before the first read began. */
  clockNs: bigint;
  /**
   * Once every file was read. Under emulation a read can take tens of ms: a change the files show
   * may have happened after clockNs, but not after readNs.
   */
  readNs: bigint;
  /** Each path's text, or null where it could not be read. */
  files: (string | null)[];
}

export interface Target {
  /** `host`, `vm`, `container` or `ssh` (another machine), with the detail a report should show (kernel, image). */
  readonly kind: 'host' | 'vm' | 'container' | 'ssh';
  readonly description: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  spawn(argv: string[], options?: SpawnOptions): Promise<SpawnedProcess>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Buffer | string): Promise<void>;
  /** Read small files (/proc, /sys) at one instant, with the clock reading: the sampler's one round trip. */
  snapshot(paths: string[]): Promise<FileSnapshot>;
  /** The target's CLOCK_MONOTONIC in nanoseconds: the time base shared by faults, samples and kernel log. */
  clockNs(): Promise<bigint>;
  /**
   * The argv that runs one of bondlab's single-file Node scripts (the traffic probe) there. Absent
   * where the target sees this machine's node and files at their paths (host, VM, container).
   */
  nodeCommand?(script: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The argv that runs a bondlab Node script on the target, wherever the target keeps it. */
export async function nodeCommand(target: Target, script: string): Promise<string[]> {
  return target.nodeCommand ? await target.nodeCommand(script) : [process.execPath, script];
}

/** Raised when a command that had to succeed did not; carries what the remote side said. */
export class CommandFailedError extends Error {
  constructor(readonly result: ExecResult) {
    const why = result.timedOut
      ? `timed out after ${Math.round(result.durationMs)} ms`
      : result.signal
        ? `killed by ${result.signal}`
        : `exit code ${result.exitCode}`;
    const stderr = result.stderr.trim();
    super(`command failed (${why}): ${result.argv.join(' ')}${stderr ? `\n${stderr}` : ''}`);
    this.name = 'CommandFailedError';
  }
}

/** Run a command and throw CommandFailedError unless it exits 0. */
export async function run(target: Target, argv: string[], options?: ExecOptions): Promise<ExecResult> {
  const result = await target.exec(argv, options);
  if (result.exitCode !== 0 || result.timedOut) throw new CommandFailedError(result);
  return result;
}

/** The argv that runs a command inside a named network namespace. */
export function inNetns(argv: string[], netns: string | undefined): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
}
