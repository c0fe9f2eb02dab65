import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { interfacesFile } from './apply.js';
import { mapKeyfile, nmConf, nmScripts } from './apply-nm.js';
import { findings } from './findings.js';
import { ConfigError } from './model.js';
import { portSettingCommands } from './port-options.js';
import { readConfig } from './read.js';

const dir = mkdtempSync(join(tmpdir(), 'bondlab-port-options-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A NetworkManager bond of `mode` and two ports, the first with these [bond-port] lines. */
function keyfiles(name: string, mode: string, bondPort: string[], controllerKey = 'master'): string[] {
  const typeKey = controllerKey === 'master' ? 'slave-type' : 'port-type';
  const port = (p: string, extra: string[]) =>
    write(
      `${name}-${p}.nmconnection`,
      [
        '[connection]',
        `id=${p}`,
        'type=ethernet',
        `interface-name=${p}`,
        `${controllerKey}=bond0`,
        `${typeKey}=bond`,
        ...(extra.length ? ['', '[bond-port]', ...extra] : []),
        '',
      ].join('\n'),
    );
  return [
    write(
      `${name}.nmconnection`,
      `[connection]\nid=bond0\ntype=bond\ninterface-name=bond0\n\n[bond]\nmode=${mode}\nmiimon=100\n`,
    ),
    port('enp1s0', bondPort),
    port('enp2s0', []),
  ];
}

const names = { bond: 'bond0', ports: ['eth0', 'eth1'] };

describe('per-port queue_id and prio', () => {
  it('NetworkManager: [bond-port] queue-id and prio of a port profile, with its file and line', () => {
    const files = keyfiles('nm', 'active-backup', ['queue-id=2', 'prio=-5']);
    const bond = readConfig(files).bonds[0];
    expect(bond?.portOptions).toEqual([
      { port: 'enp1s0', option: 'queue_id', value: '2', key: 'queue-id', at: { file: files[1], line: 9 } },
      { port: 'enp1s0', option: 'prio', value: '-5', key: 'prio', at: { file: files[1], line: 10 } },
    ]);
    // The kernel's own names for what the builder sets, on the topology's links.
    expect(portSettingCommands(bond!, names)).toEqual([
      'ip link set dev eth0 type bond_slave queue_id 2',
      'ip link set dev eth0 type bond_slave prio -5',
    ]);
  });

  it('ifupdown: bond-queue-id PORT:ID words on the bond stanza (ifenslave 2.13), mapped in the interfaces file the VM gets', () => {
    const file = write(
      'queue.interfaces',
      'auto bond0\niface bond0 inet manual\n\tbond-slaves enp1s0 enp2s0\n\tbond-mode balance-rr\n\tbond-miimon 100\n\tbond-queue-id enp1s0:1 enp2s0:2\n',
    );
    const bond = readConfig([file]).bonds[0];
    expect(bond?.portOptions?.map((s) => `${s.port} ${s.option} ${s.value} ${s.key}@${s.at.line}`)).toEqual([
      'enp1s0 queue_id 1 bond-queue-id@6',
      'enp2s0 queue_id 2 bond-queue-id@6',
    ]);
    expect(interfacesFile(bond!, names, '192.0.2.1')).toContain('\tbond-queue-id eth0:1 eth1:2\n');
    // ifenslave writes them to a sysfs file that does not exist: each is a finding at its line.
    const dropped = findings(readConfig([file])).filter((f) => f.code === 'dropped-by-ifenslave');
    expect(dropped.map((f) => `${f.at.line} ${f.message}`)).toEqual([
      "6 Debian's ifenslave (2.13) writes bond-queue-id to bonding/iface_queue_id, a file no kernel has: enp1s0 keeps queue_id 0",
      "6 Debian's ifenslave (2.13) writes bond-queue-id to bonding/iface_queue_id, a file no kernel has: enp2s0 keeps queue_id 0",
    ]);
  });

  it.each([
    ['queue-id=70000', 'queue-id: queue_id is a whole number from 0 to 65535; got "70000"'],
    ['prio=high', 'prio: prio is a whole number from -2147483648 to 2147483647; got "high"'],
    ['weight=3', 'unknown bond-port property weight (queue-id, prio)'],
  ])('a bad [bond-port] line (%s) is an error at its line', (line, message) => {
    const files = keyfiles(`bad-${line.split('=')[0]}`, 'active-backup', [line]);
    expect(() => readConfig(files)).toThrow(ConfigError);
    expect(() => readConfig(files)).toThrow(`${files[1]}:9: ${message}`);
  });

  it('an ifupdown bond-queue-id word without its queue is an error at the line', () => {
    const file = write(
      'bad-queue.interfaces',
      'iface bond0 inet manual\n\tbond-slaves eth0 eth1\n\tbond-queue-id eth0\n',
    );
    expect(() => readConfig([file])).toThrow(`${file}:3: bond-queue-id: expected PORT:QUEUE_ID words; got eth0`);
  });

  it('findings: prio outside active-backup, balance-tlb and balance-alb; bond-port.prio, which NetworkManager 1.42 does not have', () => {
    const rr = keyfiles('rr', 'balance-rr', ['prio=3']);
    expect(findings(readConfig(rr)).map((f) => `${f.code} ${f.at.line}`)).toEqual([
      'option-ignored-by-mode 9',
      'ignored-by-networkmanager 9',
    ]);
    const ab = keyfiles('ab', 'active-backup', ['queue-id=1']);
    expect(findings(readConfig(ab))).toEqual([]);
  });

  it("NetworkManager 1.42 and a port's controller= / port-type=: a finding per port, at its controller= line", () => {
    const files = keyfiles('controller', 'active-backup', [], 'controller');
    const found = findings(readConfig(files)).filter((f) => f.code === 'ignored-by-networkmanager');
    expect(found.map((f) => `${f.at.file}:${f.at.line}`)).toEqual([`${files[1]}:5`, `${files[2]}:5`]);
    expect(found[0]?.message).toContain('enp1s0 comes up on its own, outside bond0');
  });
});

describe('NetworkManager apply scripts', () => {
  it('maps the names a keyfile gives interfaces, and only those', () => {
    const map = (word: string) => ({ enp1s0: 'eth0', bond7: 'bond0' })[word] ?? word;
    expect(
      mapKeyfile(
        '[connection]\nid=enp1s0\ninterface-name=enp1s0\nmaster=bond7\n[bond]\nprimary=enp1s0\nmiimon=100\n',
        map,
      ),
    ).toBe('[connection]\nid=enp1s0\ninterface-name=eth0\nmaster=bond0\n[bond]\nprimary=eth0\nmiimon=100\n');
  });

  it('NetworkManager manages the mapped links only, and makes no profiles of its own', () => {
    const conf = nmConf(names);
    expect(conf).toContain(
      'unmanaged-devices=except:interface-name:bond0;except:interface-name:eth0;except:interface-name:eth1\n',
    );
    expect(conf).toContain('no-auto-default=*\n');
  });

  it("the scripts: keyfiles mode 0600 under the guest's /run, NetworkManager from the fetched root in its own mount namespace, everything removed after", () => {
    const files = keyfiles('script', 'active-backup', ['queue-id=1']);
    const model = readConfig(files);
    const scripts = nmScripts(model, model.bonds[0]!, names, '192.0.2.1', '/cache/nm/root');
    expect(scripts.before).toContain('chmod 600 /run/bondlab-nm/etc/system-connections/*');
    expect(scripts.before).toContain('interface-name=eth0\nmaster=bond0\n');
    expect(scripts.up).toContain('setsid unshare -m sh -c');
    expect(scripts.up).toContain(
      'exec env LD_LIBRARY_PATH=/cache/nm/root/usr/lib/x86_64-linux-gnu /cache/nm/root/usr/sbin/NetworkManager',
    );
    expect(scripts.up).toContain('mount -o bind,remount,ro /sys');
    expect(scripts.up).toContain('ip addr replace 192.0.2.1/24 dev bond0');
    expect(scripts.after).toContain('rm -rf /run/bondlab-nm');
  });
});
