#!/usr/bin/env node
/**
 * The bondlab agent: serves the Target protocol inside a VM guest or a container.
 * It depends on nothing but Node's own modules, so that it starts fast on an emulated CPU.
 *
 *   node main.js --port /dev/vport1p1   (virtio-serial, inside the VM)
 *   node main.js --poweroff             (the VM's agent: its exit powers the guest off)
 *   node main.js --stdio                (a container, or a local test)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import {
  LineDecoder,
  PROTOCOL_VERSION,
  encodeLine,
  type ExecRequest,
  type ProcessOutcome,
  type Reply,
  type Request,
  type SpawnRequest,
} from './protocol.js';
import { inNetns } from '../target/target.js';

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

const args = process.argv.slice(2);
const { input, output } = openTransport(args);

/**
 * Leave the process. In the VM a read is blocked on the serial port in libuv's thread pool and
 * keeps Node from exiting, so the agent powers the guest off itself: the guest is disposable.
 */
function leave(code: number): never {
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
      const files = await Promise.all(request.paths.map((path) => readFile(path, 'utf8').catch(() => null)));
      send({ id: request.id, kind: 'ok', value: { clockNs, files } });
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
  clockNs: process.hrtime.bigint().toString(),
});
