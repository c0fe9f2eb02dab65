import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const check = (...args: string[]) => execa('node', [cli, 'config', 'check', ...args], { reject: false });

describe('bondlab config check', { timeout: 60_000 }, () => {
  it("prints the guide's bond as the kernel will see it, each value with its file:line, exit 0", async () => {
    const result = await check('scenarios/config/aliases-bond.conf', 'scenarios/config/interfaces-static');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^bond0 \(ifupdown, scenarios\/config\/interfaces-static:3\)$/m);
    expect(result.stdout).toMatch(/^ {2}miimon +200 +options miimon +scenarios\/config\/aliases-bond\.conf:2$/m);
    expect(result.stdout).toMatch(/^ {2}ports +eth0 eth1$/m);
    expect(result.stdout).toContain('no findings');
  });

  it('exit 1 on an error finding, with reason and file:line; --json has the model and the findings', async () => {
    const text = await check('fixtures/config/guide/aliases-bond', 'scenarios/config/interfaces-static');
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('scenarios/config/interfaces-static:3: error: bond0: bond0 has no link monitoring');
    expect(text.stdout).toContain('fixtures/config/guide/aliases-bond:1: error: kmod reads only files ending in .conf');
    const json = await check('--json', 'fixtures/config/guide/aliases-bond', 'scenarios/config/interfaces-static');
    expect(json.exitCode).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      bonds: { name: string }[];
      findings: { code: string; severity: string }[];
    };
    expect(parsed.bonds.map((b) => b.name)).toEqual(['bond0']);
    expect(parsed.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual([
      'no-link-monitoring',
      'modprobe-not-conf',
    ]);
  });

  it('exit 2 with file:line for a file it cannot understand, in text and JSON', async () => {
    const text = await check('fixtures/config/invalid/unknown-option.interfaces');
    expect(text.exitCode).toBe(2);
    expect(text.stderr.trim()).toBe(
      'fixtures/config/invalid/unknown-option.interfaces:5: unknown bonding option bond-miimonn',
    );
    expect(text.stdout).toBe('');
    const json = await check('--json', 'fixtures/config/invalid/no-ports.interfaces');
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        file: 'fixtures/config/invalid/no-ports.interfaces',
        line: 2,
        message: expect.stringContaining('has no ports'),
      },
    });
  });

  it('has --help', async () => {
    const help = await execa('node', [cli, 'config', 'check', '--help']);
    expect(help.stdout).toContain('Exit codes');
  });
});
