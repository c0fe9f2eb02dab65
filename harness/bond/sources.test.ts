import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import schema from './bond-status.schema.json' with { type: 'json' };
import { crossCheck } from './crosscheck.js';
import { parseIpLinkJson } from './netlink.js';
import { parseProcBonding } from './proc.js';
import { parseSysfsDump } from './sysfs.js';

const kernelsDir = join(process.cwd(), 'fixtures', 'kernels');
const validate = new Ajv({ allErrors: true }).compile(schema);

function fixture(release: string, name: string) {
  const dir = join(kernelsDir, release, name);
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    proc: parseProcBonding(read('proc.txt'), 'bond0'),
    sysfs: parseSysfsDump(read('sysfs.tsv'), 'bond0'),
    netlink: parseIpLinkJson(JSON.parse(read('ip-link.json')) as Parameters<typeof parseIpLinkJson>[0], 'bond0'),
  };
}

describe('the three sources on states recorded from real kernels', () => {
  for (const release of readdirSync(kernelsDir)) {
    for (const name of readdirSync(join(kernelsDir, release))) {
      it(`${release}/${name}: /proc, sysfs and netlink agree`, () => {
        const { proc, sysfs, netlink } = fixture(release, name);
        expect(netlink).toBeDefined();
        expect(sysfs.mode).toEqual(netlink?.mode);
        expect(crossCheck([proc.status, sysfs, ...(netlink ? [netlink] : [])])).toEqual([]);
      });

      it(`${release}/${name}: inspect's JSON matches the documented schema`, () => {
        const { proc, sysfs, netlink } = fixture(release, name);
        const output = JSON.parse(JSON.stringify({ ...proc, sysfs, netlink, disagreements: [] })) as unknown;
        expect(validate(output), JSON.stringify(validate.errors)).toBe(true);
      });
    }
  }
});

describe('cross-check', () => {
  it('names each field where the sources disagree', () => {
    const { proc, sysfs } = fixture(readdirSync(kernelsDir)[0] ?? '', 'slave-down');
    const stale = {
      ...sysfs,
      activeSlave: 'eth0',
      slaves: sysfs.slaves.map((s) => (s.name === 'eth0' ? { ...s, miiStatus: 'up' as const } : s)),
    };
    expect(crossCheck([proc.status, stale])).toEqual([
      { field: 'activeSlave', values: { proc: 'eth1', sysfs: 'eth0' } },
      { field: 'slaves.eth0.miiStatus', values: { proc: 'down', sysfs: 'up' } },
    ]);
  });
});
