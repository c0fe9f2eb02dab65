import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

/** The schema editors get (harness/scenario/scenario.schema.json), as they read it. */
const schema = JSON.parse(readFileSync('harness/scenario/scenario.schema.json', 'utf8')) as object;
const validate = new Ajv({ strict: false }).compile(schema);
const docs = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown);

describe("the editors' schema knows a bond taken from the user's files", () => {
  it.each([
    'scenarios/config/guide-static.yaml',
    'scenarios/config/guide-dhcp.yaml',
    'scenarios/config/netplan-active-backup.yaml',
  ])('%s is valid', (file) => {
    for (const doc of docs(file)) expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a from-bond takes from, name and apply only; a plain bond still needs its mode', () => {
    const steps = ['build'];
    expect(validate({ name: 'x', bond: { from: 'interfaces', name: 'bond0' }, steps })).toBe(true);
    expect(
      validate({ name: 'x', bond: { from: ['a.conf', 'interfaces'], name: 'bond0', apply: 'ifupdown' }, steps }),
    ).toBe(true);
    expect(validate({ name: 'x', bond: { from: 'interfaces', name: 'bond0', miimon: 100 }, steps })).toBe(false);
    expect(validate({ name: 'x', bond: { from: 'interfaces' }, steps })).toBe(false);
    expect(validate({ name: 'x', bond: { from: [], name: 'bond0' }, steps })).toBe(false);
    expect(validate({ name: 'x', bond: { from: 'interfaces', name: 'bond0', apply: 'nmcli' }, steps })).toBe(false);
    expect(validate({ name: 'x', bond: { from: 'a.netdev', name: 'bond0', apply: 'networkd' }, steps })).toBe(true);
    expect(validate({ name: 'x', bond: { miimon: 100 }, steps })).toBe(false);
    expect(validate({ name: 'x', bond: { mode: 'active-backup', miimon: 100 }, steps })).toBe(true);
  });
});
