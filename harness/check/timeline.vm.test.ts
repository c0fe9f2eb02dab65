import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import { resultsPath } from '../testing/cli-output.js';
import type { RunResult } from '../runner/results.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

async function run(...args: string[]): Promise<{ exitCode: number | undefined; stderr: string; result: RunResult }> {
  const child = await execa('node', [cli, 'run', ...args, '--kernel', kernel], { reject: false, env: { CI: 'true' } });
  const path = resultsPath(child.stderr);
  return { exitCode: child.exitCode, stderr: child.stderr, result: (await readResults(path)).run };
}

const checksOf = (result: RunResult, name: string) =>
  result.cases.find((c) => c.name === name)?.steps.flatMap((s) => s.checks) ?? [];

describe(`timeline claims on ${kernel} in the VM`, () => {
  it('judge updelay over the recorded timeline: slave0 goes back for the updelay, then up, then active; each fault knows when the kernel saw it', async () => {
    const { exitCode, stderr, result } = await run(
      'scenarios/suite/documented-claims.yaml',
      '--filter',
      'updelay-delays-return',
    );
    expect(exitCode, stderr).toBe(0);
    const sequence = checksOf(result, 'updelay-delays-return').find((c) =>
      c.name.startsWith('slave0 (eth0) MII: down, then going back'),
    );
    expect(sequence?.passed).toBe(true);
    const goingBack = Number(/going back (\d+)(?:-\d+)? ms/.exec(sequence?.actual ?? '')?.[1]);
    expect(goingBack).toBeGreaterThanOrEqual(590);
    const faults = result.cases[0]?.timeline.filter((e) => e.kind === 'fault') ?? [];
    expect(faults).toHaveLength(2);
    for (const fault of faults) {
      if (fault.kind !== 'fault') continue;
      // Seen by the kernel after the command was issued; often before it returned.
      expect(fault.seenNs, fault.detail).toBeDefined();
      expect(BigInt(fault.seenNs ?? 0n)).toBeGreaterThanOrEqual(BigInt(fault.startNs));
      // The kernel's own line, or a sample that showed the change before the line was stamped.
      expect(fault.seenBy).toMatch(/^kernel: bond0: |^state sample/);
    }
  });

  it('fail false timeline claims: going back for 2 s against an updelay of 600 ms, and "never without an active slave" after a stretch without one', async () => {
    const { exitCode, stderr, result } = await run('fixtures/scenarios-false/false-timeline.yaml');
    expect(exitCode, stderr).toBe(1);
    expect(result.summary).toMatchObject({ total: 2, failed: 2 });
    const long = checksOf(result, 'false-updelay-going-back-2s').find((c) =>
      c.name.includes('going back for at least 2000 ms'),
    );
    expect(long).toMatchObject({ passed: false });
    expect(long?.disturbed).toBeUndefined();
    expect(long?.actual).toMatch(/going back \d+ ms/);
    const never = checksOf(result, 'false-never-without-active').find((c) => c.name === 'active slave never none');
    expect(never?.passed).toBe(false);
    expect(never?.actual).toMatch(/none at \+\d+ ms/);
  });
});
