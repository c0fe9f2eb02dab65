/**
 * The container target end to end, on the one Docker engine here that can make bonds: dockerd
 * inside a bondlab VM (this machine's own kernel has no bonding and refuses --privileged).
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../cli/results-file.js';
import type { Check } from '../cli/doctor.js';
import { resultsPath } from '../testing/cli-output.js';
import type { Comparison } from '../report/compare.js';
import { listContainers } from './container-target.js';
import type { DockerEngine } from './docker-engine.js';
import { startVmEngine } from './engine.js';
import { DEFAULT_IMAGE, tarballPath } from './image.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const scenarios = ['scenarios/debian-guide.yaml', 'scenarios/all-modes.yaml'];

/**
 * GET /version from the engine's forwarded port, over TLS (with the client certificate in certDir,
 * if given, else none) and over plain HTTP; run by node -e, so that it can run as another user.
 */
const ENGINE_PROBE = `
const [port, certDir] = process.argv.slice(1);
const fs = require('node:fs');
const creds = certDir ? Object.fromEntries(['ca', 'cert', 'key'].map((n) => [n, fs.readFileSync(certDir + '/' + n + '.pem')])) : { rejectUnauthorized: false };
const get = (mod, options) => new Promise((resolve) => {
  const req = mod.request({ host: '127.0.0.1', port, path: '/version', ...options }, (res) => {
    let body = '';
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => resolve(res.statusCode + ' ' + body));
  });
  req.on('error', (error) => resolve('error: ' + error.message));
  req.setTimeout(30000, () => req.destroy(new Error('timeout')));
  req.end();
});
(async () => console.log(JSON.stringify({ https: await get(require('node:https'), creds), http: await get(require('node:http'), {}) })))();
`;

/** Wait until the run has started its first case (its container exists), then signal it. */
async function interrupt(run: ResultPromise, signal: NodeJS.Signals): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    run.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/\[1\/\d+\] \S+: start/.test(seen)) resolve();
    });
    void run.then(() => reject(new Error(`the run ended before its first case:\n${seen}`)), reject);
  });
  run.kill(signal);
  await run.catch(() => undefined);
}

describe('the container image', () => {
  it('builds offline with debootstrap from the Debian archive, and is listed', async () => {
    const build = await execa('node', [cli, 'image', 'build'], { reject: false, env: { CI: 'true' } });
    expect(build.exitCode, build.stderr).toBe(0);
    expect(build.stdout).toContain(tarballPath());
    const listed = await execa('node', [cli, 'image', 'ls', '--json'], {
      reject: false,
      env: { DOCKER_HOST: 'tcp://127.0.0.1:1' },
    });
    const { tarballs, engine } = JSON.parse(listed.stdout) as {
      tarballs: { path: string; sizeMb: number }[];
      engine: unknown;
    };
    expect(tarballs.find((t) => t.path === tarballPath())?.sizeMb).toBeGreaterThan(50);
    expect(engine).toBeNull();
  }, 900_000);
});

describe('bondlab run --target container --engine vm', () => {
  it('passes the Debian guide and the seven-mode scenario with the same verdicts as the VM target', async () => {
    const container = await execa('node', [cli, 'run', ...scenarios, '--target', 'container', '--engine', 'vm'], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(container.exitCode, container.stderr).toBe(0);
    expect(container.stderr).toMatch(/container [0-9a-f]{12} \(bondlab-target:\S+; docker [^;]+ in vm \(/);
    const vm = await execa('node', [cli, 'run', ...scenarios, '--target', 'vm'], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(vm.exitCode, vm.stderr).toBe(0);
    const inContainer = (await readResults(resultsPath(container.stderr))).run;
    expect(inContainer.summary).toMatchObject({ total: 8, passed: 8 });
    expect(inContainer.targets[0]).toMatch(/^container /);
    const compare = await execa(
      'node',
      [cli, 'compare', resultsPath(vm.stderr), resultsPath(container.stderr), '--json'],
      { reject: false },
    );
    const comparison = JSON.parse(compare.stdout) as Comparison;
    expect(comparison.compared).toBe(8);
    expect(
      comparison.changes.filter((c) => c.kind === 'verdict' || c.kind === 'check' || c.kind === 'missing'),
    ).toEqual([]);
    expect(compare.exitCode).toBe(0);
  }, 900_000);
});

describe('container lifecycle on a Docker engine that outlives the run', () => {
  let engine: DockerEngine;
  const env = () => ({ CI: 'true', ...engine.env });

  beforeAll(async () => {
    engine = await startVmEngine();
  }, 600_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('serves only the user who started it: another local user gets no TLS session and cannot read the client key', async () => {
    const port = new URL(engine.host).port;
    const certDir = engine.env.DOCKER_CERT_PATH ?? '';
    const asNobody = (argv: string[]) =>
      execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...argv], { reject: false, cwd: '/' });
    const stranger = await asNobody([process.execPath, '-e', ENGINE_PROBE, port]);
    expect(stranger.exitCode, stranger.stderr).toBe(0);
    const refused = JSON.parse(stranger.stdout) as { https: string; http: string };
    expect(refused.https).toMatch(/^error: .*alert (bad certificate|certificate required)/);
    expect(refused.http).toMatch(/^400 .*HTTPS/);
    const key = await asNobody(['cat', join(certDir, 'key.pem')]);
    expect(key.exitCode).not.toBe(0);
    expect(key.stderr).toContain('Permission denied');
    // The same probe as the owner, with the run's client certificate, is served.
    const owner = JSON.parse((await execa(process.execPath, ['-e', ENGINE_PROBE, port, certDir])).stdout) as {
      https: string;
    };
    expect(owner.https).toMatch(/^200 .*"ApiVersion"/);
  });

  it('removes the image from an engine, and loads it again through the Docker API', async () => {
    const removed = await execa('node', [cli, 'image', 'rm'], { reject: false, env: env() });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(
      await engine.docker
        .getImage(DEFAULT_IMAGE)
        .inspect()
        .catch(() => null),
    ).toBeNull();
    const loaded = await execa('node', [cli, 'image', 'build', '--load'], { reject: false, env: env() });
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    const listed = JSON.parse((await execa('node', [cli, 'image', 'ls', '--json'], { env: env() })).stdout) as {
      engine: { images: { name: string }[] };
    };
    expect(listed.engine.images.map((i) => i.name)).toContain(DEFAULT_IMAGE);
  }, 600_000);

  it('doctor --container finds that the engine can make bonds, from a privileged container', async () => {
    const doctor = await execa('node', [cli, 'doctor', '--container', '--json'], { reject: false, env: env() });
    const { checks } = JSON.parse(doctor.stdout) as { checks: Check[] };
    expect(checks.find((c) => c.id === 'engine-bonding')).toMatchObject({ ok: true });
    expect(checks.find((c) => c.id === 'docker-engine')?.detail).toContain(`has ${DEFAULT_IMAGE}`);
    expect(await listContainers(engine)).toEqual([]);
  }, 300_000);

  it('removes its container when the run ends', async () => {
    const run = await execa('node', [cli, 'run', 'scenarios/debian-guide.yaml', '--target', 'container'], {
      reject: false,
      env: env(),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await listContainers(engine)).toEqual([]);
  }, 300_000);

  it('removes its container on Ctrl-C, and exits 130', async () => {
    const run = execa('node', [cli, 'run', 'scenarios/all-modes.yaml', '--target', 'container'], {
      reject: false,
      env: env(),
    });
    await interrupt(run, 'SIGINT');
    expect((await run).exitCode).toBe(130);
    expect(await listContainers(engine)).toEqual([]);
  }, 300_000);

  it('leaves a labelled container when killed outright, and bondlab cleanup removes it', async () => {
    const run = execa('node', [cli, 'run', 'scenarios/all-modes.yaml', '--target', 'container'], {
      reject: false,
      env: env(),
    });
    await interrupt(run, 'SIGKILL');
    const left = await listContainers(engine);
    expect(left).toHaveLength(1);
    expect(left[0]?.pid).toBe(run.pid);
    const cleanup = await execa('node', [cli, 'cleanup', '--json'], { reject: false, env: env() });
    expect(cleanup.exitCode, cleanup.stderr).toBe(0);
    expect((JSON.parse(cleanup.stdout) as { containers: string[] }).containers).toEqual([left[0]?.id.slice(0, 12)]);
    expect(await listContainers(engine)).toEqual([]);
  }, 300_000);
});
