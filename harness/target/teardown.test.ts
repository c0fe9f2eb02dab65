import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

/**
 * The registry is process-wide and exits the process on signals, so each case runs in a node of
 * its own that imports the built module (npm run test:unit builds first) and reports on stdout.
 */
const teardown = pathToFileURL(join(process.cwd(), 'dist', 'harness', 'target', 'teardown.js')).href;

async function child(body: string): Promise<{ exitCode: number | undefined; stdout: string[]; stderr: string }> {
  const script = `import * as t from ${JSON.stringify(teardown)};\nconst say = (line) => process.stdout.write(line + '\\n');\n${body}`;
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], {
    reject: false,
    timeout: 20_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout.split('\n').filter(Boolean), stderr: result.stderr };
}

describe('the teardown registry', () => {
  it('runs cleanups newest first, waits for each, reports a failure and goes on, and runs each once', async () => {
    const run = await child(`
      t.onTeardown('namespaces', () => say('namespaces'));
      t.onTeardown('broken', () => { throw new Error('device busy'); });
      t.onTeardown('vm', async () => { await new Promise((r) => setTimeout(r, 50)); say('vm'); });
      const early = t.onTeardown('temp dir', () => say('temp dir'));
      await early();
      await early();
      await t.runAll();
      await t.runAll();
      say('stopping=' + t.isStopping());
    `);
    expect(run.stdout).toEqual(['temp dir', 'vm', 'namespaces', 'stopping=false']);
    expect(run.stderr).toBe('bondlab: cleanup "broken" failed: device busy');
    expect(run.exitCode).toBe(0);
  });

  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`tears down at once on ${signal} and exits ${exitCode}`, async () => {
      const run = await child(`
        t.onTeardown('first', () => say('first'));
        t.onTeardown('second', async () => { await new Promise((r) => setTimeout(r, 20)); say('second'); });
        process.kill(process.pid, '${signal}');
        setTimeout(() => say('not reached'), 5000);
      `);
      expect(run.stdout).toEqual(['second', 'first']);
      expect(run.stderr).toBe(`bondlab: ${signal}, tearing down`);
      expect(run.exitCode).toBe(exitCode);
    });
  }

  it('lets a command that keeps its results finish after the first signal, and tears down at the second', async () => {
    const run = await child(`
      t.finishOnSignal();
      t.onTeardown('vm', () => say('vm torn down'));
      const waiting = t.sleepUnlessStopped(10_000).then(() => 'slept', (error) => error.message);
      process.kill(process.pid, 'SIGINT');
      say('wait ended: ' + await waiting);
      say('stopping=' + t.isStopping() + ' signal=' + t.stopSignal()?.signal + ' exit=' + t.stopSignal()?.exitCode);
      say('results written');
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => say('not reached'), 5000);
    `);
    expect(run.stdout).toEqual([
      'wait ended: interrupted by SIGINT',
      'stopping=true signal=SIGINT exit=130',
      'results written',
      'vm torn down',
    ]);
    expect(run.stderr).toBe('bondlab: SIGINT again, tearing down without results');
    expect(run.exitCode).toBe(130);
  });
});
