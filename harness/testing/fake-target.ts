/**
 * A Target for unit tests of the runner: no kernel, a scripted active-backup bond of two slaves
 * whose /proc text and kernel log follow the commands the runner sends (a far port down fails
 * its slave over). It tests the runner's wiring, never bonding behaviour.
 */
import type { ExecOptions, ExecResult, FileSnapshot, SpawnedProcess, Target } from '../target/target.js';

interface FakeSlave {
  name: string;
  up: boolean;
  failures: number;
}

function process(argv: string[], stdoutLines: string[] = []): SpawnedProcess & { emit(text: string): void } {
  const listeners: ((chunk: string) => void)[] = [];
  let finish: (result: ExecResult) => void = () => undefined;
  const exited = new Promise<ExecResult>((resolve) => {
    finish = resolve;
  });
  return {
    argv,
    onStdout(listener) {
      listeners.push(listener);
      // After the caller has attached its listener, as a real process's first output would arrive.
      setTimeout(() => stdoutLines.forEach((line) => listener(`${line}\n`)), 5);
    },
    onStderr: () => undefined,
    exited,
    async kill() {
      finish({ argv, exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '', timedOut: false, durationMs: 0 });
    },
    write: async () => undefined,
    emit: (text) => listeners.forEach((listener) => listener(text)),
  };
}

export class FakeBondTarget implements Target {
  readonly kind = 'host' as const;
  readonly description = 'fake bond target (unit tests)';
  /** Every command the runner ran, in order. */
  readonly commands: string[][] = [];
  readonly slaves: FakeSlave[] = [
    { name: 'eth0', up: true, failures: 0 },
    { name: 'eth1', up: true, failures: 0 },
  ];
  active: string | null = 'eth0';
  /** Commands matching this fail with exit code 1. */
  failing?: RegExp;
  private kmsg: ReturnType<typeof process> | undefined;
  private seq = 0;

  async clockNs(): Promise<bigint> {
    return globalThis.process.hrtime.bigint();
  }

  async exec(argv: string[], _options?: ExecOptions): Promise<ExecResult> {
    this.commands.push(argv);
    const text = argv.join(' ');
    const failed = this.failing?.test(text) ?? false;
    if (!failed) {
      const port = / link set (p\d+) (down|up)$/.exec(text);
      if (port?.[1] && port[2]) await this.farPort(Number(port[1].slice(1)), port[2] === 'up');
    }
    return {
      argv,
      exitCode: failed ? 1 : 0,
      signal: null,
      stdout: '',
      stderr: failed ? 'refused by the fake target' : '',
      timedOut: false,
      durationMs: 1,
    };
  }

  async spawn(argv: string[]): Promise<SpawnedProcess> {
    if (argv[0] === 'cat' && argv[1] === '/dev/kmsg') {
      this.kmsg = process(argv);
      return this.kmsg;
    }
    // The topology's build, whose last process holds the DUT's namespace, prints that pid once built.
    this.commands.push(argv);
    return process(argv, ['bondlab-topology-built 4242']);
  }

  async readFile(): Promise<Buffer> {
    return Buffer.from('');
  }

  async writeFile(): Promise<void> {}

  async snapshot(paths: string[]): Promise<FileSnapshot> {
    const clockNs = await this.clockNs();
    return {
      clockNs,
      readNs: clockNs,
      files: paths.map((path) => (path.includes('/net/bonding/') ? this.procText() : null)),
    };
  }

  async close(): Promise<void> {}

  /** A far port going down takes its slave's carrier, as a veth peer does; the bond logs and fails over. */
  private async farPort(index: number, up: boolean): Promise<void> {
    const slave = this.slaves[index];
    if (!slave || slave.up === up) return;
    slave.up = up;
    await this.log(
      `bond0: (slave ${slave.name}): link status definitely ${up ? 'up' : 'down'} for interface ${slave.name}${up ? ', 10000 Mbps full duplex' : ', disabling it'}`,
    );
    if (!up) slave.failures += 1;
    if (!up && this.active === slave.name) {
      this.active = this.slaves.find((s) => s.up)?.name ?? null;
      await this.log(
        this.active
          ? `bond0: (slave ${this.active}): making interface the new active one`
          : 'bond0: now running without any active interface!',
      );
    }
  }

  private async log(text: string): Promise<void> {
    const usec = (await this.clockNs()) / 1000n;
    this.kmsg?.emit(`6,${this.seq++},${usec},-;${text}\n`);
  }

  private procText(): string {
    const slaves = this.slaves.map((s) =>
      [
        `Slave Interface: ${s.name}`,
        `MII Status: ${s.up ? 'up' : 'down'}`,
        'Speed: 10000 Mbps',
        'Duplex: full',
        `Link Failure Count: ${s.failures}`,
        `Permanent HW addr: 02:00:00:00:00:0${s.name.slice(3)}`,
        'Slave queue ID: 0',
        '',
      ].join('\n'),
    );
    return [
      'Ethernet Channel Bonding Driver: 6.1.0-57-amd64',
      '',
      'Bonding Mode: fault-tolerance (active-backup)',
      'Primary Slave: None',
      `Currently Active Slave: ${this.active ?? 'None'}`,
      `MII Status: ${this.active ? 'up' : 'down'}`,
      'MII Polling Interval (ms): 100',
      'Up Delay (ms): 0',
      'Down Delay (ms): 0',
      'Peer Notification Delay (ms): 0',
      '',
      ...slaves,
    ].join('\n');
  }
}
