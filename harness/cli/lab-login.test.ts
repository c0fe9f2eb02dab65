import { describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { loadLabText } from '../lab/load.js';
import { labLogin } from './lab.js';

const lab = (machine: string): Lab => {
  const loaded = loadLabText(
    `machine: ${machine}\nnics: [{ label: a, mac: "52:54:00:00:00:01" }]\nfar:\n  peer:\n    nics: [{ label: b, mac: "52:54:00:00:00:02" }]\n`,
    'lab.yaml',
  );
  if (!('lab' in loaded)) throw new Error(JSON.stringify(loaded.errors));
  return loaded.lab;
};

describe('how lab check reaches the lab machine', () => {
  it("logs in to the lab's own machine with the --ssh-* options, without --ssh", () => {
    expect(
      labLogin(lab('{ ssh: root@dut }'), { sshPort: 2222, sshIdentity: '/k', sshKnownHosts: '/kh' }),
    ).toMatchObject({ destination: 'root@dut', port: 2222, identityFile: '/k', knownHostsFile: '/kh' });
    expect(labLogin(lab('{ ssh: root@dut }'), { ssh: 'root@dut' })).toMatchObject({ destination: 'root@dut' });
  });

  it('refuses an --ssh that names another machine, and ssh options for a local lab (usage errors)', () => {
    expect(() => labLogin(lab('{ ssh: root@dut }'), { ssh: 'root@other' })).toThrow(
      /the lab lab\.yaml is on root@dut, not on --ssh root@other/,
    );
    expect(() => labLogin(lab('local'), { ssh: 'root@dut' })).toThrow(/names this machine's NICs .* drop --ssh/);
    expect(() => labLogin(lab('local'), { sshPort: 22 })).toThrow(/--ssh-port need --ssh/);
    expect(labLogin(lab('local'), {})).toBeUndefined();
  });
});
