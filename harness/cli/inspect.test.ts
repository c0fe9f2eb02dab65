import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

describe('bondlab inspect --file', () => {
  it('reads an old RHEL 5 era 802.3ad text', async () => {
    const run = await execa('node', [cli, 'inspect', '--file', '../shared/data/proc-net-bonding/002-802.3ad-insights-core.txt']);
    expect(run.stdout).toMatch(/^mode\s+802\.3ad \(4\)$/m);
    expect(run.stdout).toMatch(/^driver\s+v3\.2\.4 \(January 28, 2008\)$/m);
    expect(run.stdout).toMatch(/^eth1\s+up\s/m);
  });

  it('reads a RHEL 7 era active-backup text and names the active slave', async () => {
    const run = await execa('node', [cli, 'inspect', '--file', '../shared/data/proc-net-bonding/010-active-backup-telegraf.txt']);
    expect(run.stdout).toMatch(/^active slave\s+eth2$/m);
    expect(run.stdout).toMatch(/^eth3\s+down\s/m);
  });

  it('reads a 6.x kernel text from stdin as JSON', async () => {
    const text = readFileSync('fixtures/kernels/6.1.0-56-amd64/slave-down/proc.txt', 'utf8');
    const run = await execa('node', [cli, 'inspect', '--file', '-', '--json'], { input: text });
    const out = JSON.parse(run.stdout) as { status: { mode: { name: string }; activeSlave: string; slaves: { name: string; miiStatus: string }[] } };
    expect(out.status.mode.name).toBe('active-backup');
    expect(out.status.activeSlave).toBe('eth1');
    expect(out.status.slaves.map((s) => `${s.name}:${s.miiStatus}`)).toEqual(['eth0:down', 'eth1:up']);
  });

  it('says what is wrong with bad arguments, exit code 2', async () => {
    const missing = await execa('node', [cli, 'inspect', '--file', 'nope.txt'], { reject: false });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--file nope.txt');
    const nothing = await execa('node', [cli, 'inspect'], { reject: false });
    expect(nothing.exitCode).toBe(2);
    const unknown = await execa('node', [cli, 'inspect', '--frobnicate'], { reject: false });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
  });
});
