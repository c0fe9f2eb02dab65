import type { WriteStream } from 'node:tty';

/** Progress and colour only for a person at a terminal; CI gets quiet plain lines. */
export function interactive(stream: NodeJS.WriteStream | WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.CI;
}

export function useColor(stream: NodeJS.WriteStream | WriteStream): boolean {
  return interactive(stream) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
}

/** Control characters (but tab and newline), C1 controls and bidirectional overrides: what can steer a terminal. */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from input or a target, made safe to print: control characters become visible escapes. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** JSON escapes C0 controls itself; the C1 and bidirectional ones are escaped here, which JSON reads back the same. */
export function printJson(value: unknown): void {
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  process.stdout.write(`${json.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`);
}
