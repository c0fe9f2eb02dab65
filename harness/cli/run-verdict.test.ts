import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { StepResult } from '../runner/results.js';
import { caseStatus } from '../runner/run-case.js';
import { InvalidArgumentError } from 'commander';
import { numberArgument } from './numbers.js';
import { runExitCode } from './run.js';

const step = (outcome: StepResult['outcome']): StepResult => ({
  index: 0,
  kind: 'expect',
  description: 'expect',
  outcome,
  durationMs: 1,
  checks: [],
});

describe('the verdict of a case and of a run', () => {
  it('makes a case inconclusive only when nothing failed', () => {
    expect(caseStatus('passed', [step('ok'), step('inconclusive')])).toBe('inconclusive');
    expect(caseStatus('failed', [step('inconclusive'), step('failed')])).toBe('failed');
    expect(caseStatus('error', [step('inconclusive')])).toBe('error');
    expect(caseStatus('passed', [step('ok')])).toBe('passed');
  });

  it('exits 0 on passes only, 3 on passes and inconclusives, 1 on any failure or error', () => {
    expect(runExitCode({ total: 2, passed: 2, failed: 0, errors: 0, inconclusive: 0 })).toBe(0);
    expect(runExitCode({ total: 2, passed: 1, failed: 0, errors: 0, inconclusive: 1 })).toBe(3);
    expect(runExitCode({ total: 3, passed: 1, failed: 1, errors: 0, inconclusive: 1 })).toBe(1);
    expect(runExitCode({ total: 2, passed: 1, failed: 0, errors: 1, inconclusive: 0 })).toBe(1);
    // Results written before the verdict existed have no inconclusive count.
    expect(runExitCode({ total: 1, passed: 1, failed: 0, errors: 0 })).toBe(0);
  });

  it('takes --retry-inconclusive as a whole number of at least 0, and refuses anything else as a usage error', () => {
    const parseRetries = numberArgument({ integer: true, min: 0 });
    expect(parseRetries('0')).toBe(0);
    expect(parseRetries('3')).toBe(3);
    for (const bad of ['-1', 'two', '1.5', '', '2x']) expect(() => parseRetries(bad)).toThrow(InvalidArgumentError);
  });
});

describe('bondlab run --retry-inconclusive', () => {
  const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

  it('exits 2 on a bad count before touching anything', async () => {
    for (const bad of ['-1', 'many']) {
      const run = await execa('node', [cli, 'run', 'fixtures/scenarios-false', `--retry-inconclusive=${bad}`], {
        reject: false,
      });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`option '--retry-inconclusive <n>' argument '${bad}' is invalid`);
    }
  });

  it('documents the exit codes in --help', async () => {
    const help = await execa('node', [cli, 'run', '--help']);
    expect(help.stdout).toContain('--retry-inconclusive <n>');
    expect(help.stdout).toMatch(/3 nothing failed but some case was\s+inconclusive/);
  });
});
