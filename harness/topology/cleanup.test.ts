import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { ExecResult, Target } from '../target/target.js';
import { cleanupNamespaces } from './cleanup.js';
import { netnsName, runOwnerPid, newRunId } from './names.js';

/** A target that lists the given namespaces and records the teardown script it is sent. */
function recordingTarget(namespaces: string[]): { target: Target; scripts: string[] } {
  const scripts: string[] = [];
  const exec = async (argv: string[]): Promise<ExecResult> => {
    if (argv[0] === 'sh') scripts.push(argv[2] ?? '');
    const stdout =
      argv.join(' ') === 'ip netns list' ? namespaces.map((name, id) => `${name} (id: ${id})`).join('\n') : '';
    return { argv, exitCode: 0, signal: null, stdout, stderr: '', durationMs: 1, timedOut: false };
  };
  return { target: { kind: 'host', description: 'recording', exec } as unknown as Target, scripts };
}

describe('cleanupNamespaces', () => {
  it("removes a dead run's namespaces and leaves a live run's, in the run ids the CLI makes", async () => {
    const exited = execa('true');
    const dead = exited.pid ?? 0;
    await exited;
    const liveRun = newRunId();
    const deadRun = liveRun.replace(/-[0-9a-z]+([0-9a-f]{4})$/, `-${dead.toString(36)}$1`);
    expect(runOwnerPid(liveRun)).toBe(process.pid);
    expect(runOwnerPid(deadRun)).toBe(dead);
    const live = [netnsName(liveRun, 0, 'dut'), netnsName(liveRun, 0, 'far')];
    const gone = [netnsName(deadRun, 2, 'dut'), netnsName(deadRun, 2, 'c0')];
    const foreign = ['bondlab-made-by-someone-else', 'my-own-netns'];
    const { target, scripts } = recordingTarget([...live, ...gone, ...foreign]);
    expect(await cleanupNamespaces(target)).toEqual(gone);
    expect(scripts.join('\n')).not.toMatch(new RegExp(`${live[0]}|${live[1]}|bondlab-made-by|my-own`));
  });

  it('with all, removes every bondlab namespace, live or not, and nothing else', async () => {
    const live = netnsName(newRunId(), 0, 'dut');
    const { target } = recordingTarget([live, 'bondlab-made-by-someone-else', 'my-own-netns']);
    expect(await cleanupNamespaces(target, { all: true })).toEqual([live, 'bondlab-made-by-someone-else']);
  });
});
