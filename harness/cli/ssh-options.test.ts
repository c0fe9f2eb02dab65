import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookRefusals } from '../runner/hook-policy.js';
import { loadScenarioFiles } from '../scenario/load.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const scenario = 'scenarios/active-backup-carrier-loss.yaml';

describe('the ssh options', () => {
  let output: string;
  beforeAll(async () => {
    output = await mkdtemp(join(tmpdir(), 'bondlab-test-ssh-options-'));
  });
  afterAll(async () => {
    await rm(output, { recursive: true, force: true });
  });

  const run = (...args: string[]) => execa('node', [cli, 'run', scenario, '-o', output, ...args], { reject: false });

  it('are usage errors (exit 2, nothing run) when they do not fit together or are not a destination', async () => {
    const cases: [string[], RegExp][] = [
      [['--target', 'ssh'], /--target ssh needs --ssh <destination>/],
      [['--ssh', 'root@dut'], /--ssh is for --target ssh, not --target vm/],
      [
        ['--target', 'ssh', '--ssh', '-oProxyCommand=touch /tmp/x'],
        /--ssh: "-oProxyCommand=touch \/tmp\/x" is not an ssh destination/,
      ],
      [['--target', 'ssh', '--ssh', 'root@dut', '--ssh-port', '70000'], /--ssh-port.*from 1 to 65535/],
      [['--target', 'host', '--ssh-identity', '/k/id'], /--ssh-identity need --ssh <destination>/],
      [
        ['--target', 'ssh', '--ssh', 'root@dut', '--ssh-option', '-F/etc/passwd'],
        /--ssh-option: "-F\/etc\/passwd" is not an ssh option/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    cases.forEach(([args, message], i) => {
      expect(results[i]?.exitCode, args.join(' ')).toBe(2);
      expect(results[i]?.stderr, args.join(' ')).toMatch(message);
    });
    expect(await readdir(output)).toEqual([]);
  }, 120_000);

  it('show in run --help and cleanup --help', async () => {
    const helps = await Promise.all(['run', 'cleanup'].map((command) => execa('node', [cli, command, '--help'])));
    for (const [i, command] of ['run', 'cleanup'].entries()) {
      const help = helps[i]?.stdout ?? '';
      for (const option of [
        '--ssh <destination>',
        '--ssh-port',
        '--ssh-identity',
        '--ssh-known-hosts',
        '--ssh-accept-new-host-key',
        '--ssh-option',
      ]) {
        expect(help, `${command} ${option}`).toContain(option);
      }
    }
  }, 60_000);

  it('refuse hooks "in: none" on --target ssh: the root namespace there is a real machine\'s', async () => {
    const { cases } = await loadScenarioFiles(['fixtures/scenarios-hooks/root-namespace-hook.yaml']);
    expect(hookRefusals(cases, 'ssh')).toHaveLength(1);
    expect(hookRefusals(cases, 'ssh', { unsafeHostHooks: true })).toEqual([]);
  });
});
