import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_CERT_DIR_PREFIX, makeEngineCerts, type EngineCerts } from './engine-tls.js';

/** GET / over TLS with the given client credentials: the body, or the error that stopped it. */
function get(port: number, client: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ...client }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', (error) => resolve(`error: ${error.message}`));
    req.end();
  });
}

describe('per-run TLS certificates of the engine VM', () => {
  let certs: EngineCerts;
  let other: EngineCerts;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    [certs, other] = await Promise.all([makeEngineCerts(['127.0.0.1', '10.0.2.15']), makeEngineCerts(['127.0.0.1'])]);
    // The same TLS policy as dockerd --tlsverify: a client certificate of the run's CA or nothing.
    server = createServer({ ...certs.server, requestCert: true, rejectUnauthorized: true }, (_req, res) =>
      res.end('engine'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server?.close();
    await certs?.remove();
    await other?.remove();
  });

  it('keeps only the client side on the host, in a 0700 directory named for cleanup', () => {
    expect(dirname(certs.dir)).toBe(tmpdir());
    expect(basename(certs.dir).startsWith(`${ENGINE_CERT_DIR_PREFIX}${process.pid}-`)).toBe(true);
    expect(statSync(certs.dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(certs.dir).sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    expect(statSync(`${certs.dir}/key.pem`).mode & 0o077).toBe(0);
    expect(certs.server.key).toContain('PRIVATE KEY');
    expect(certs.env('tcp://127.0.0.1:1234')).toEqual({
      DOCKER_HOST: 'tcp://127.0.0.1:1234',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs.dir,
    });
  });

  it('lets the run owner in with its client certificate, over the loopback address in the certificate', async () => {
    expect(await get(port, certs.client)).toBe('engine');
  });

  it("refuses a client without a certificate, and one with another run's", async () => {
    expect(await get(port, { ca: certs.client.ca })).toMatch(/^error: .*certificate required/);
    expect(await get(port, { ca: certs.client.ca, cert: other.client.cert, key: other.client.key })).toMatch(
      /^error: /,
    );
  });

  it("makes the client check that it talks to the run's engine", async () => {
    expect(await get(port, { ...certs.client, ca: other.client.ca })).toMatch(
      /^error: .*self-signed certificate in certificate chain/,
    );
  });

  it('is removed by remove()', async () => {
    const dir = other.dir;
    await other.remove();
    expect(existsSync(dir)).toBe(false);
  });
});
