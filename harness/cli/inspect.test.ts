import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');

describe('bondlab inspect --file', () => {
  it('reads an old RHEL 5 era 802.3ad text', async () => {
    const run = await execa('node', [
      cli,
      'inspect',
      '--file',
      'fixtures/proc-net-bonding/external/002-802.3ad-insights-core.txt',
    ]);
    expect(run.stdout).toMatch(/^mode\s+802\.3ad \(4\)$/m);
    expect(run.stdout).toMatch(/^driver\s+v3\.2\.4 \(January 28, 2008\)$/m);
    expect(run.stdout).toMatch(/^eth1\s+up\s/m);
  });

  it('reads a RHEL 7 era active-backup text and names the active slave', async () => {
    const run = await execa('node', [
      cli,
      'inspect',
      '--file',
      'fixtures/proc-net-bonding/external/010-active-backup-telegraf.txt',
    ]);
    expect(run.stdout).toMatch(/^active slave\s+eth2$/m);
    expect(run.stdout).toMatch(/^eth3\s+down\s/m);
  });

  it('reads a 6.x kernel text from stdin as JSON', async () => {
    const text = readFileSync('fixtures/kernels/6.1.0-56-amd64/slave-down/proc.txt', 'utf8');
    const run = await execa('node', [cli, 'inspect', '--file', '-', '--json'], { input: text });
    const out = JSON.parse(run.stdout) as {
      status: { mode: { name: string }; activeSlave: string; slaves: { name: string; miiStatus: string }[] };
    };
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
  }, 60_000);

  const inspect = (input: string | Buffer, ...args: string[]) =>
    execa('node', [cli, 'inspect', '--file', '-', ...args], { input, reject: false });
  const lacp = readFileSync('fixtures/kernels/6.1.0-56-amd64/mode-802.3ad/proc.txt', 'utf8');

  it('refuses empty, blank, garbage and binary input with exit code 2 and prints nothing', async () => {
    const cases: [string | Buffer, RegExp][] = [
      ['', /^bondlab: stdin: empty input/],
      [' \n\t\n', /^bondlab: stdin: empty input/],
      ['hello world\n', /^bondlab: stdin: no driver or mode line: this does not look like \/proc\/net\/bonding text/],
      [
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]),
        /^bondlab: stdin: binary data \(a NUL byte at offset 7\)/,
      ],
      [Buffer.from('Bonding Mode: \xff\xfe\n', 'latin1'), /^bondlab: stdin: not UTF-8 text/],
    ];
    for (const [input, message] of cases) {
      const run = await inspect(input);
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
    }
  }, 60_000);

  it('bounds what it reads from stdin and from a file', async () => {
    const run = await inspect(lacp.repeat(Math.ceil((1024 * 1024) / lacp.length) + 1));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /^bondlab: stdin: more than 1 MiB, while a bond's \/proc\/net\/bonding text is a few kB/,
    );
    const zero = await execa('node', [cli, 'inspect', '--file', '/dev/zero'], { reject: false });
    expect(zero.exitCode).toBe(2);
    expect(zero.stderr).toMatch(/^bondlab: --file \/dev\/zero: more than 1 MiB/);
  }, 60_000);

  it('says when several bonds were pasted together, shows the first, and exits 2', async () => {
    const run = await inspect(lacp.repeat(100));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /^bondlab: stdin: 100 bonds' texts pasted together \(they begin at lines 1, 78, 155, 232, 309, \.\.\.\); only the first, up to line 77, is read/,
    );
    const slaves = run.stdout.split('\n').filter((line) => /^eth\d+\s/.test(line));
    expect(slaves.map((line) => line.split(/\s+/)[0])).toEqual(['eth0', 'eth1']);
  });

  it('says when a text was cut mid-line, shows what it held, and exits 2', async () => {
    const cut = lacp.slice(0, lacp.indexOf('MII Status', lacp.indexOf('Slave Interface: eth1')) + 'MII Statu'.length);
    const run = await inspect(cut);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /^bondlab: stdin: line 53: the text ends mid-line \("MII Statu", no newline\): it was cut off/,
    );
    expect(run.stdout).toMatch(/^eth1\s+down\s/m);
    expect(run.stdout).toMatch(/^error: line 53: the text ends mid-line/m);
  });

  it('passes no terminal escape sequence from the input to the terminal, in text or JSON', async () => {
    const hostile = [
      'Ethernet Channel Bonding Driver: 6.1.0',
      'Bonding Mode: fault-tolerance (active-backup)',
      'Currently Active Slave: eth0\u001b]0;owned\u0007',
      'MII Status: up',
      '',
      'Slave Interface: eth0\u001b[2J\u009b31m\u202e',
      'MII Status: up',
      'Link Failure Count: 0',
      'Frobnication: \u001bP+q\u001b\\',
      '',
    ].join('\n');
    for (const args of [[], ['--json']]) {
      const run = await inspect(hostile, ...args);
      expect(run.exitCode).toBe(0);
      const out = run.stdout;
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(out).toContain('eth0');
      if (args.length) {
        expect((JSON.parse(out) as { status: { slaves: { name: string }[] } }).status.slaves[0]?.name).toBe(
          'eth0\u001b[2J\u009b31m\u202e',
        );
      } else {
        expect(out).toMatch(/^eth0\\x1b\[2J\\x9b31m\\u202e up /m);
        expect(out).toContain('unknown line 9: Frobnication: \\x1bP+q\\x1b\\');
      }
    }
  }, 60_000);

  it('prints "none" for a bond whose primary is None, and no primary row for a mode without one', async () => {
    const none = await execa('node', [
      cli,
      'inspect',
      '--file',
      'fixtures/proc-net-bonding/external/031-balance-alb-subscription-manager.txt',
    ]);
    expect(none.stdout).toMatch(/^primary\s+none$/m);
    const rr = await execa('node', [
      cli,
      'inspect',
      '--file',
      'fixtures/kernels/6.1.0-56-amd64/mode-balance-rr/proc.txt',
    ]);
    expect(rr.stdout).not.toMatch(/primary|undefined/);
    const set = await execa('node', [cli, 'inspect', '--file', 'fixtures/kernels/6.1.0-56-amd64/primary/proc.txt']);
    expect(set.stdout).toMatch(/^primary\s+eth1 \(reselect better\)$/m);
  }, 60_000);
});
