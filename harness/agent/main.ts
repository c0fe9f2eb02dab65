#!/usr/bin/env node
/**
 * The bondlab agent: serves the Target protocol inside a VM guest, a container, or on a remote
 * machine over ssh. This one file is the whole agent: it imports nothing but Node's own modules
 * (and types), so that it starts fast on an emulated CPU and can be copied to another machine
 * alone. The protocol's few runtime pieces live here for that reason; protocol.ts re-exports them.
 *
 *   node main.js --port /dev/vport1p1   (virtio-serial, inside the VM)
 *   node main.js --poweroff             (the VM's agent: its exit powers the guest off)
 *   node main.js --stdio                (a container, a remote machine, or a local test)
 *   node main.js --stdio --remove-dir   (remote: on exit, remove the private directory this file was copied to)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { basename, dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ExecRequest, ProcessOutcome, Reply, Request, SpawnRequest } from './protocol.js';

export const PROTOCOL_VERSION = 1;

export function encodeLine(message: Request | Reply): string {
  return `${JSON.stringify(message)}\n`;
}

/** Splits a byte stream into JSON-lines messages; a partial last line waits for the next chunk. */
export class LineDecoder {
  // Chunks of a line not yet complete: kept apart so a megabyte line costs one join, not one per chunk.
  private pending: string[] = [];

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      this.pending.push(chunk.slice(start, newline));
      const line = this.pending.join('');
      this.pending = [];
      if (line.length > 0) lines.push(line);
      start = newline + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.slice(start));
    return lines;
  }
}

/** The argv that runs a command inside a named network namespace. */
function inNetns(argv: string[], netns: string | undefined): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
}

/** The directory a remote agent was copied to (`bondlab-agent-*`): `--remove-dir` removes it, and nothing else. */
const REMOTE_DIR = /^bondlab-agent-\d+-/;

const AGENT_PORT_NAME = 'bondlab.agent';

function findVirtioPort(name: string): string {
  for (const port of readdirSync('/sys/class/virtio-ports')) {
    if (readFileSync(`/sys/class/virtio-ports/${port}/name`, 'utf8').trim() === name) return `/dev/${port}`;
  }
  throw new Error(`no virtio-serial port named ${name}`);
}

function openTransport(args: string[]): { input: Readable; output: Writable } {
  if (args.includes('--stdio')) return { input: process.stdin, output: process.stdout };
  const portIndex = args.indexOf('--port');
  const port = portIndex >= 0 ? args[portIndex + 1] : findVirtioPort(AGENT_PORT_NAME);
  if (!port) throw new Error('--port needs a device path');
  // A virtio-serial port opens once: reads and writes share one descriptor.
  const fd = openSync(port, 'r+');
  return { input: createReadStream('', { fd }), output: createWriteStream('', { fd, autoClose: false }) };
}

let args: string[] = [];
let output: Writable;

/**
 * Leave the process, ending what it still runs (a remote machine outlives its agent). In the VM a
 * read is blocked on the serial port in libuv's thread pool and keeps Node from exiting, so the
 * agent powers the guest off itself: the guest is disposable.
 */
function leave(code: number): never {
  for (const child of running.values()) signalGroup(child, 'SIGKILL');
  if (args.includes('--remove-dir')) {
    const dir = dirname(fileURLToPath(import.meta.url));
    if (REMOTE_DIR.test(basename(dir))) rmSync(dir, { recursive: true, force: true });
  }
  if (args.includes('--poweroff')) {
    try {
      writeFileSync('/proc/sysrq-trigger', 'o');
    } catch {
      // not allowed here: fall through to a plain exit
    }
  }
  process.exit(code);
}
const running = new Map<number, ChildProcess>();

function send(reply: Reply): void {
  output.write(encodeLine(reply));
}

function fail(id: number, code: string, message: string, extra: { argv?: string[]; path?: string } = {}): void {
  send({ id, kind: 'error', error: { code, message, ...extra } });
}

function start(request: ExecRequest | SpawnRequest, stream: boolean): void {
  const argv = inNetns(request.argv, request.netns);
  const [file, ...args] = argv;
  if (!file) {
    fail(request.id, 'EINVAL', 'empty argv');
    return;
  }
  const began = performance.now();
  const child = spawn(file, args, {
    env: { ...process.env, ...request.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: request.op === 'exec' ? request.cwd : undefined,
    // Its own process group, so a timeout kills what it started too.
    detached: true,
  });
  running.set(request.id, child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  if (request.op === 'exec' && request.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child, 'SIGKILL');
    }, request.timeoutMs);
  }
  child.stdout.on('data', (chunk: Buffer) => {
    if (stream) send({ id: request.id, kind: 'stdout', data: chunk.toString('base64') });
    else stdout.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stream) send({ id: request.id, kind: 'stderr', data: chunk.toString('base64') });
    else stderr.push(chunk);
  });
  child.stdin.on('error', () => undefined);
  if (request.op === 'exec' && request.input !== undefined) child.stdin.end(Buffer.from(request.input, 'base64'));
  else if (request.op === 'exec') child.stdin.end();
  child.on('error', (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    running.delete(request.id);
    fail(request.id, error.code ?? 'ESPAWN', error.message, { argv });
  });
  child.on('close', (exitCode, signal) => {
    clearTimeout(timer);
    if (!running.delete(request.id)) return;
    const outcome: ProcessOutcome = {
      exitCode,
      signal,
      stdout: Buffer.concat(stdout).toString('base64'),
      stderr: Buffer.concat(stderr).toString('base64'),
      timedOut,
      durationMs: performance.now() - began,
    };
    send({ id: request.id, kind: 'ok', value: outcome });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A /proc or /sys file's text, or null when it cannot be read (the bond is gone). */
function readSmallFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function handle(request: Request): Promise<void> {
  switch (request.op) {
    case 'exec':
      start(request, false);
      return;
    case 'spawn':
      start(request, true);
      return;
    case 'kill': {
      const child = running.get(request.target);
      if (child) signalGroup(child, request.signal as NodeJS.Signals);
      send({ id: request.id, kind: 'ok', value: null });
      return;
    }
    case 'stdin': {
      const child = running.get(request.target);
      if (!child) return fail(request.id, 'ESRCH', `no running process for request ${request.target}`);
      child.stdin?.write(Buffer.from(request.data, 'base64'));
      if (request.end) child.stdin?.end();
      send({ id: request.id, kind: 'ok', value: null });
      return;
    }
    case 'readFile':
      try {
        send({ id: request.id, kind: 'ok', value: (await readFile(request.path)).toString('base64') });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        fail(request.id, e.code ?? 'EIO', e.message, { path: request.path });
      }
      return;
    case 'writeFile':
      try {
        await writeFile(request.path, Buffer.from(request.data, 'base64'));
        send({ id: request.id, kind: 'ok', value: null });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        fail(request.id, e.code ?? 'EIO', e.message, { path: request.path });
      }
      return;
    case 'snapshot': {
      const clockNs = process.hrtime.bigint().toString();
      // Synchronous: /proc and /sys reads never wait on a disk, and an async readFile's five thread
      // pool round trips cost a TCG guest 3.6x the CPU of a read (bench/agent-read.ts).
      const files = request.paths.map(readSmallFile);
      send({ id: request.id, kind: 'ok', value: { clockNs, readNs: process.hrtime.bigint().toString(), files } });
      return;
    }
    case 'clock':
      send({ id: request.id, kind: 'ok', value: process.hrtime.bigint().toString() });
      return;
    case 'shutdown':
      for (const child of running.values()) signalGroup(child, 'SIGKILL');
      output.write(encodeLine({ id: request.id, kind: 'ok', value: null }), () => leave(0));
      return;
  }
}

function serve(): void {
  const transport = openTransport(args);
  output = transport.output;
  const input = transport.input;
  const decoder = new LineDecoder();
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    for (const line of decoder.push(chunk)) {
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        fail(0, 'EPROTO', `not a JSON line: ${line.slice(0, 200)}`);
        continue;
      }
      void handle(request);
    }
  });
  // The other end is gone (ssh session closed, container exec ended): nothing more will come.
  input.on('end', () => leave(0));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bondlab-agent: ${error.stack ?? String(error)}\n`);
    leave(70);
  });

  send({
    id: 0,
    kind: 'hello',
    version: PROTOCOL_VERSION,
    pid: process.pid,
    kernel: release(),
    node: process.versions.node,
    clockNs: process.hrtime.bigint().toString(),
  });
}

/** Serve only when run as a program: bondlab's own modules import the protocol pieces above. */
function runAsProgram(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (runAsProgram()) {
  args = process.argv.slice(2);
  serve();
}
