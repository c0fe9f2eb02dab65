/**
 * Per-run TLS for the Docker engine in a bondlab VM. qemu forwards the engine's port to the host's
 * loopback, where every local user could reach it; dockerd with --tlsverify only serves clients
 * holding a certificate signed by this run's own CA, and the client key lives in a 0700 directory
 * of the user who started the run. The CA key is deleted as soon as the two certificates are
 * signed, so nobody can mint another.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { onTeardown } from '../target/teardown.js';

/** Per-run certificate directories: `bondlab-engine-<pid>-XXXXXX` under the temp dir, so cleanup can tell a killed run's. */
export const ENGINE_CERT_DIR_PREFIX = 'bondlab-engine-';

/** What dockerd in the guest needs, as PEM text. */
export interface EngineServerTls {
  ca: string;
  cert: string;
  key: string;
}

export interface EngineCerts {
  /** Holds ca.pem, cert.pem and key.pem, the names DOCKER_CERT_PATH readers expect; mode 0700. */
  readonly dir: string;
  /** The client side, for dockerode. */
  readonly client: { ca: Buffer; cert: Buffer; key: Buffer };
  readonly server: EngineServerTls;
  /** The DOCKER_* variables that reach an engine at `host` with these certificates. */
  env(host: string): Record<string, string>;
  remove(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A key and a certificate signed by the CA in `dir`, for one TLS role. */
async function signLeaf(
  dir: string,
  files: { key: string; cert: string },
  subject: string,
  extensions: string[],
): Promise<void> {
  await execa(
    'openssl',
    ['req', '-new', ...EC_KEY, '-keyout', files.key, '-out', 'leaf.csr', '-subj', `/CN=${subject}`],
    { cwd: dir },
  );
  await writeFile(join(dir, 'leaf.ext'), `${extensions.join('\n')}\n`);
  await execa(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'leaf.ext',
      '-out',
      files.cert,
    ],
    { cwd: dir },
  );
}

/**
 * A CA, a server certificate for the addresses clients dial, and a client certificate, made in a
 * fresh 0700 directory (removed by remove(), and on Ctrl-C). Certificates are valid from now: make
 * them before the guest boots, so that its clock, read at boot, is not behind their start.
 */
export async function makeEngineCerts(serverAddresses: string[]): Promise<EngineCerts> {
  const dir = await mkdtemp(join(tmpdir(), `${ENGINE_CERT_DIR_PREFIX}${process.pid}-`));
  const remove = onTeardown(`engine certificates ${dir}`, () => rm(dir, { recursive: true, force: true }));
  try {
    await execa(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        ...EC_KEY,
        '-keyout',
        'ca-key.pem',
        '-out',
        'ca.pem',
        '-days',
        '2',
        '-subj',
        `/CN=bondlab engine CA ${process.pid}`,
      ],
      { cwd: dir },
    );
    const san = `subjectAltName=${serverAddresses.map((address) => `IP:${address}`).join(',')}`;
    await signLeaf(dir, { key: 'server-key.pem', cert: 'server-cert.pem' }, 'bondlab engine', [
      san,
      'extendedKeyUsage=serverAuth',
    ]);
    await signLeaf(dir, { key: 'key.pem', cert: 'cert.pem' }, 'bondlab run', ['extendedKeyUsage=clientAuth']);
    const read = (name: string) => readFile(join(dir, name));
    const ca = await read('ca.pem');
    const server = {
      ca: ca.toString(),
      cert: (await read('server-cert.pem')).toString(),
      key: (await read('server-key.pem')).toString(),
    };
    const client = { ca, cert: await read('cert.pem'), key: await read('key.pem') };
    // Only the client side stays on the host; the server's key goes to the guest's tmpfs.
    const leftovers = ['ca-key.pem', 'ca.srl', 'server-key.pem', 'server-cert.pem', 'leaf.csr', 'leaf.ext'];
    await Promise.all(leftovers.map((name) => rm(join(dir, name), { force: true })));
    return {
      dir,
      client,
      server,
      env: (host) => ({ DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }),
      remove,
    };
  } catch (error) {
    await remove();
    throw new Error(
      `making the engine's TLS certificates with openssl failed (apt-get install openssl): ${(error as Error).message}`,
    );
  }
}

/** Where the guest keeps the server's key and certificates: its own tmpfs, never the host's disk. */
export const GUEST_TLS_DIR = '/run/bondlab-tls';

/** dockerd's flags for a TLS-only API on `listen` that accepts only clients of the run's CA. */
export function dockerdTlsArgs(listen: string): string[] {
  return [
    '--tlsverify',
    '--tlscacert',
    `${GUEST_TLS_DIR}/ca.pem`,
    '--tlscert',
    `${GUEST_TLS_DIR}/cert.pem`,
    '--tlskey',
    `${GUEST_TLS_DIR}/key.pem`,
    '-H',
    listen,
  ];
}
