/**
 * The agent protocol: JSON lines over one byte stream (a virtio-serial port, or a container's stdio).
 * The host sends requests with an id; the agent answers each with exactly one final reply and,
 * for spawned processes, any number of output events before it. Bytes travel as base64 so that
 * command output of any content survives the line framing.
 */

import type { ExecResult } from '../target/target.js';

// The framing (LineDecoder, encodeLine, PROTOCOL_VERSION) lives in main.ts: the agent must stay one
// file importing nothing of bondlab's at run time.

export interface ExecRequest {
  id: number;
  op: 'exec';
  argv: string[];
  netns?: string;
  timeoutMs?: number;
  /** base64 */
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

export interface SpawnRequest {
  id: number;
  op: 'spawn';
  argv: string[];
  netns?: string;
  env?: Record<string, string>;
}

export interface KillRequest {
  id: number;
  op: 'kill';
  /** The id of the spawn or exec request whose process to signal. */
  target: number;
  signal: string;
}

/** Write to a spawned process's stdin; `end` closes it after the data. */
export interface StdinRequest {
  id: number;
  op: 'stdin';
  target: number;
  /** base64 */
  data: string;
  end?: boolean;
}

export interface ReadFileRequest {
  id: number;
  op: 'readFile';
  path: string;
}

export interface WriteFileRequest {
  id: number;
  op: 'writeFile';
  path: string;
  /** base64 */
  data: string;
}

/** Read several files at one instant: the sampler's request, answered with the clock reading. */
export interface SnapshotRequest {
  id: number;
  op: 'snapshot';
  paths: string[];
}

export interface ClockRequest {
  id: number;
  op: 'clock';
}

export interface ShutdownRequest {
  id: number;
  op: 'shutdown';
}

export type Request =
  | ExecRequest
  | SpawnRequest
  | KillRequest
  | StdinRequest
  | ReadFileRequest
  | WriteFileRequest
  | ClockRequest
  | SnapshotRequest
  | ShutdownRequest;

/** A finished process, as exec and spawn report it; stdout and stderr travel as base64. */
export type ProcessOutcome = Omit<ExecResult, 'argv'>;

/** Files read together; a file that could not be read is null. */
export interface Snapshot {
  /** The clock before the first read began. */
  clockNs: string;
  /** The clock once every file was read: what the files show held at some instant in between. */
  readNs: string;
  files: (string | null)[];
}

export interface RemoteError {
  code: string;
  message: string;
  argv?: string[];
  path?: string;
}

export type Reply =
  | { id: number; kind: 'ok'; value: ProcessOutcome | Snapshot | string | null }
  | { id: number; kind: 'error'; error: RemoteError }
  | { id: number; kind: 'stdout' | 'stderr'; data: string }
  | { id: 0; kind: 'hello'; version: number; pid: number; kernel: string; node: string; clockNs: string };
