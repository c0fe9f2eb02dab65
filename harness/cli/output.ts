import type { WriteStream } from 'node:tty';

/** Progress and colour only for a person at a terminal; CI gets quiet plain lines. */
export function interactive(stream: NodeJS.WriteStream | WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.CI;
}

export function useColor(stream: NodeJS.WriteStream | WriteStream): boolean {
  return interactive(stream) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
