import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './model.js';
import { readConfig } from './read.js';

const I = 'fixtures/config/invalid';

function failure(paths: string[]): string {
  try {
    readConfig(paths);
  } catch (error) {
    if (error instanceof ConfigError)
      return `${error.at.file.replace(`${process.cwd()}/`, '')}:${error.at.line}: ${error.reason}`;
    throw error;
  }
  throw new Error(`${paths.join(' ')} read without an error`);
}

describe('bad configuration files: file, line and what is wrong', () => {
  it.each([
    [`${I}/unknown-option.interfaces`, 5, 'unknown bonding option bond-miimonn'],
    [`${I}/bad-value.interfaces`, 5, 'bond-miimon: miimon "-5": must be >= 0'],
    [`${I}/malformed.interfaces`, 2, 'iface needs a name, an address family and a method'],
    [`${I}/no-ports.interfaces`, 2, 'bond bond0 has no ports'],
    [`${I}/unknown-parameter.yaml`, 8, 'unknown bonding option mii-monitor'],
    // netplan generate 0.106 on it: "Error in network definition: bond0: interface 'enp2s0' is not defined".
    [`${I}/netplan-undefined-interface.yaml`, 7, 'bond bond0: interface enp2s0 is not defined'],
    [`${I}/malformed.yaml`, 5, 'YAML: '],
    [`${I}/garbage.netdev`, 4, 'expected [Section] or Key=Value'],
    [`${I}/missing-bond.network`, 5, 'eth0 names bond bond9, which none of the files defines'],
    [`${I}/unknown-module-parameter.conf`, 2, 'unknown bonding module parameter miimonn'],
    // What netplan 0.106 writes for NetworkManager from down-delay: 1s; NetworkManager takes whole milliseconds.
    [`${I}/netplan-nm-downdelay-1s.nmconnection`, 18, 'downdelay: downdelay "1s": must be integer'],
  ])('%s', (file, line, message) => {
    expect(failure([file])).toContain(`${file}:${line}: ${message}`);
  });

  it('a source loop, at the line that closes it', () => {
    expect(failure([`${I}/loop/interfaces`])).toMatch(
      /loop\/interfaces\.d\/again:1: source loop: .*loop\/interfaces -> .*again -> .*loop\/interfaces$/,
    );
  });

  it('files that cannot be read', () => {
    expect(failure([`${I}/no-such-file`])).toBe(`${I}/no-such-file:0: cannot read: no such file or directory`);
    expect(failure(['/dev/null/x'])).toMatch(/^\/dev\/null\/x:0: cannot read/);
    expect(failure(['/dev/zero'])).toBe('/dev/zero:0: not a regular file');
  });
});

describe(
  'a scenario whose bond comes from a bad file: exit 2 with both places, before anything is built',
  { timeout: 60_000 },
  () => {
    const S = 'fixtures/config/scenarios-invalid';
    const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
    it.each([
      ['bond-unknown-option.yaml', 'unknown-option.interfaces:5: unknown bonding option bond-miimonn'],
      ['bond-no-ports.yaml', 'no-ports.interfaces:2: bond bond0 has no ports'],
      ['bond-malformed.yaml', 'malformed.interfaces:2: iface needs a name, an address family and a method'],
      ['bond-source-loop.yaml', 'loop/interfaces.d/again:1: source loop'],
      ['bond-netplan-unknown.yaml', 'unknown-parameter.yaml:8: unknown bonding option mii-monitor'],
    ])('%s', async (file, reason) => {
      // --target vm: the VM would boot only after every scenario loaded; exit 2 comes from loading.
      const result = await execa('node', [cli, 'run', '--target', 'vm', `${S}/${file}`], { reject: false });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(`${S}/${file}:4:`);
      expect(result.stderr).toContain(`bond.from: `);
      expect(result.stderr).toContain(reason);
      expect(result.stdout).toBe('');
    });
  },
);
