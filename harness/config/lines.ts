/**
 * Reading configuration files safely (regular files of at most 1 MiB, as scenario files) and the
 * line formats no maintained npm parser handles: the keyfile/INI dialects of NetworkManager and
 * systemd, where sections and keys repeat and a '.' is part of a name (the `ini` package nests on
 * it), and plain line files with comments and continuation lines.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { LIMITS } from '../scenario/limits.js';
import { ConfigError } from './model.js';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** A regular file's text; anything else is a ConfigError naming the file (line 0). */
export function readConfigText(file: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO named as a file must not block the open.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigError({ file, line: 0 }, `cannot read: ${reason(error)}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new ConfigError({ file, line: 0 }, 'not a regular file');
    if (info.size > LIMITS.fileBytes) throw new ConfigError({ file, line: 0 }, `larger than ${LIMITS.fileBytes} bytes`);
    const buffer = Buffer.alloc(info.size);
    let read = 0;
    while (read < info.size) {
      const n = readSync(fd, buffer, read, info.size - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = buffer.subarray(0, read).toString('utf8');
    if (text.includes('\0'))
      throw new ConfigError({ file, line: 0 }, 'binary content (NUL bytes); expected a text file');
    return text;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError({ file, line: 0 }, `cannot read: ${reason(error)}`);
  } finally {
    closeSync(fd);
  }
}

export interface LogicalLine {
  /** The line the logical line starts on, from 1. */
  line: number;
  text: string;
}

/**
 * Lines without comments and blank lines, continuation lines (a trailing backslash) joined;
 * `comment` is the comment character, honoured only at the start of a line (as ifupdown and
 * modprobe.d do).
 */
export function logicalLines(text: string, comment = '#'): LogicalLine[] {
  const out: LogicalLine[] = [];
  let pending: LogicalLine | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!pending && (trimmed === '' || trimmed.startsWith(comment))) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { line: pending.line, text: `${pending.text} ${part}` } : { line: i + 1, text: part };
    if (!continued) {
      out.push({ line: pending.line, text: pending.text.trim() });
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

export interface KeyEntry {
  key: string;
  value: string;
  line: number;
}

export interface KeySection {
  name: string;
  line: number;
  entries: KeyEntry[];
}

/**
 * A keyfile (NetworkManager) or unit file (systemd): `[Section]` headers and `Key=Value` lines,
 * '#' and ';' comments. Sections and keys may repeat; they are kept in order, as both readers
 * do (systemd appends list values, NetworkManager takes the last). A line that is neither is a
 * ConfigError at its line.
 */
export function keySections(text: string, file: string): KeySection[] {
  const sections: KeySection[] = [];
  let current: KeySection | undefined;
  for (const { line, text: content } of logicalLines(text.replace(/^[ \t]*;.*$/gm, ''))) {
    const header = /^\[([^\]]+)\]$/.exec(content);
    if (header?.[1]) {
      current = { name: header[1].trim(), line, entries: [] };
      sections.push(current);
      continue;
    }
    const eq = content.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(
        { file, line },
        `expected [Section] or Key=Value; got ${JSON.stringify(content.slice(0, 80))}`,
      );
    if (!current) throw new ConfigError({ file, line }, `${content.slice(0, eq).trim()}= before any [Section]`);
    current.entries.push({ key: content.slice(0, eq).trim(), value: content.slice(eq + 1).trim(), line });
  }
  return sections;
}
