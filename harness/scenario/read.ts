/**
 * Finding and reading scenario files. Only regular files are read, at most LIMITS.fileBytes of
 * them: a FIFO would block forever, /dev/zero never ends. A file that cannot be read becomes an
 * error naming it, and the other files are still read.
 */
import { constants, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LIMITS } from './limits.js';
import type { InputError } from './plan.js';

function fileError(file: string, message: string): InputError {
  return { file, line: 0, column: 0, field: '', message };
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'a special file';
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return error instanceof Error ? error.message : String(error);
}

const SCENARIO_NAME = /\.ya?ml$/;

/**
 * The scenario files under the paths: files named as given, and *.yaml / *.yml found in
 * directories, in name order. Symbolic links inside directories are not followed into
 * directories (no loops); a link named *.yaml is read if it leads to a regular file.
 */
export async function collectFiles(paths: string[]): Promise<{ files: string[]; errors: InputError[] }> {
  const files: string[] = [];
  const errors: InputError[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      errors.push(fileError(dir, `cannot list the directory: ${reason(error)}`));
      return [];
    });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (SCENARIO_NAME.test(entry.name)) files.push(path);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch((error: unknown) => error as Error);
    if (info instanceof Error) errors.push(fileError(path, reason(info)));
    else if (info.isDirectory()) await walk(path);
    else files.push(path);
  }
  return { files, errors };
}

/** A scenario file's text, or why it cannot be read; `name` is what errors call it. */
export async function readScenarioFile(path: string, name: string): Promise<{ text: string } | { error: InputError }> {
  const refuse = (message: string) => ({ error: fileError(name, message) });
  // Refused before opening: opening some devices has effects of its own.
  const info = await stat(path).catch((error: unknown) => error as Error);
  if (info instanceof Error) return refuse(reason(info));
  if (!info.isFile()) return refuse(`${kindOf(info)}, not a scenario file`);
  // Non-blocking, so that a file swapped for a FIFO since the stat cannot hang the open.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY).catch(
    (error: unknown) => error as Error,
  );
  if (handle instanceof Error) return refuse(reason(handle));
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return refuse(`${kindOf(opened)}, not a scenario file`);
    if (opened.size > LIMITS.fileBytes)
      return refuse(`${opened.size} bytes; a scenario file may have at most ${LIMITS.fileBytes}`);
    // Read one byte past the limit: files whose size says 0 (such as /proc) can still be long.
    const buffer = Buffer.alloc(LIMITS.fileBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > LIMITS.fileBytes)
      return refuse(`more than ${LIMITS.fileBytes} bytes; a scenario file may have at most ${LIMITS.fileBytes}`);
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return refuse(reason(error));
  } finally {
    await handle.close();
  }
}
