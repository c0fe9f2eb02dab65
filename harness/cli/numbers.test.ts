import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { numberArgument } from './numbers.js';

describe('numeric options', () => {
  it('takes only a whole number within bounds where one is asked for', () => {
    const repeat = numberArgument({ integer: true, min: 1 });
    expect(repeat('3')).toBe(3);
    expect(repeat(' 12 ')).toBe(12);
    for (const bad of ['3x', 'abc', '0', '', '1.5', '-2', '0x10', '1e3', 'Infinity'])
      expect(() => repeat(bad), bad).toThrow('expected a whole number of at least 1');
    const interval = numberArgument({ integer: true, min: 10, max: 1000 });
    expect(() => interval('1001')).toThrow('expected a whole number from 10 to 1000');
  });

  it('takes decimals where they make sense, and nothing that only starts like a number', () => {
    const fraction = numberArgument({ min: 0 });
    expect([fraction('0.5'), fraction('.25'), fraction('2'), fraction('1e-3')]).toEqual([0.5, 0.25, 2, 0.001]);
    for (const bad of ['', ' ', '0.5s', 'NaN', '-0.1', '0x10'])
      expect(() => fraction(bad), bad).toThrow('expected a number of at least 0');
  });

  // Refused while the options are parsed, before a scenario file is read or a VM is booted.
  it('makes bondlab run and bondlab vm run exit 2 with the option named', async () => {
    const bondlab = (args: string[]) => execa('node', ['dist/harness/cli/main.js', ...args], { reject: false });
    const cases = [
      ['run', 'scenarios', '--repeat', '3x'],
      ['run', 'scenarios', '--repeat', 'abc'],
      ['run', 'scenarios', '--repeat', '0'],
      ['run', 'scenarios', '--sample-interval', '5'],
      ['run', 'scenarios', '--sample-interval', '50ms'],
      ['vm', 'run', '--cpus', '2x', '--', 'true'],
      ['vm', 'run', '--memory', '0', '--', 'true'],
    ];
    const results = await Promise.all(cases.map((args) => bondlab(args)));
    results.forEach((result, i) => {
      const args = cases[i] ?? [];
      const at = args.findIndex((arg) => arg.startsWith('--'));
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`${args[at] ?? ''} <`);
      expect(result.stderr).toContain(`argument '${args[at + 1] ?? ''}' is invalid`);
    });
  }, 120_000);
});
