import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFiles } from '../scenario/load.js';
import { casesOnConfig, ConfigSelectionError } from './suite.js';

const guide = ['scenarios/config/aliases-bond.conf', 'scenarios/config/interfaces-static'].map((f) => resolve(f));

describe('run --config: the cases that apply to the configured bond', () => {
  it("keeps the cases of the bond's mode and port count that set no option but monitoring, and runs them on the user's options", async () => {
    const { cases, errors } = await loadScenarioFiles(['scenarios']);
    expect(errors).toEqual([]);
    const selected = casesOnConfig(cases, guide);
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.length).toBeLessThan(cases.length);
    for (const c of selected) {
      expect(c.bond).toEqual({ mode: 'balance-rr', options: { miimon: 200 }, config: { files: guide, name: 'bond0' } });
      expect(c.topology.slaves).toBe(2);
    }
    // The Debian guide's own scenario (balance-rr, miimon 200, two slaves) is one of them.
    expect(selected.map((c) => c.name)).toContain('debian-guide');
  });

  it('says why when nothing applies or the files are bad', async () => {
    const { cases } = await loadScenarioFiles(['scenarios/active-backup-carrier-loss.yaml']);
    expect(() => casesOnConfig(cases, guide)).toThrow(
      new ConfigSelectionError('no case of the scenarios applies to bond0 (mode balance-rr, 2 ports)'),
    );
    expect(() => casesOnConfig(cases, [resolve('fixtures/config/invalid/no-ports.interfaces')])).toThrow(
      /no-ports\.interfaces:2: bond bond0 has no ports/,
    );
  });

  it('--apply: the cases bring the bond up with the tool named, when it takes the files; otherwise says why', async () => {
    const { cases } = await loadScenarioFiles(['scenarios']);
    for (const c of casesOnConfig(cases, guide, undefined, 'ifupdown'))
      expect(c.bond.config).toEqual({ files: guide, name: 'bond0', apply: 'ifupdown' });
    const keyfiles = [resolve('fixtures/config/networkmanager/balance-rr')];
    const selected = casesOnConfig(cases, keyfiles, undefined, 'networkmanager');
    expect(selected.length).toBeGreaterThan(0);
    expect(selected[0]?.bond.config?.apply).toBe('networkmanager');
    expect(() => casesOnConfig(cases, keyfiles, undefined, 'ifupdown')).toThrow(
      new ConfigSelectionError('--apply: bond0 comes from a networkmanager file; apply: ifupdown takes ifupdown files'),
    );
  });
});
