/**
 * A run on a lab: find the lab's NICs, refuse what must not be touched, write the journal, lend
 * the NICs to each case's topology, pull cables, and give everything back. Every command the
 * lab run issues on the target goes through a recording target, so a test can prove that no
 * command named a NIC the lab does not list.
 */
import { onTeardown } from '../target/teardown.js';
import type { ExecOptions, SpawnOptions, Target } from '../target/target.js';
import type { QmpClient } from '../vm/qmp.js';
import type { Lab, NicRef } from './lab.js';
import { journalPath, restoreNics, writeJournal, type LabJournal } from './journal.js';
import {
  findNic,
  listLinks,
  nicFacts,
  pciAddresses,
  readNicState,
  type IpLink,
  type NicFacts,
  type NicState,
} from './nics.js';
import { PulledCables } from './pulled-cables.js';
import { sessionCarriers, sessionRefusal, type LinkAddresses } from './session-nic.js';
import { switchControl } from './switch.js';

/** The lab NICs a case's topology takes over, and how its cables are pulled. */
export interface LabLinks {
  /** The test NICs' names in the target's root namespace, cable by cable. */
  dutNics: string[];
  /** The peer NICs' names, cable by cable: they become the far side's ports (none when the far side is a switch). */
  peerNics: string[];
  /** A switch lab's NIC to the switch that the clients reach the bond through: it joins the far side's bridge. */
  uplink?: string;
  /** Pull (up false) or plug cable `index` (the hypervisor's cable pull, or the switch's port hooks); undefined: the far side's port goes down instead. */
  setCarrier?: (index: number, up: boolean) => Promise<string>;
  /** Put the NICs back as the journal has them, once the case's namespaces are gone. */
  restore(): Promise<void>;
  /** Before a case's topology is built: bring the NICs where it takes them from (a container target's namespace). */
  lend?: () => Promise<void>;
  /** How reports name the NICs (label and driver), cable by cable. */
  shown?: { dut: string[]; peer: string[]; uplink?: string };
  /** The cables the session's faults have pulled (the session's own record). */
  pulled: PulledCables;
}

export interface Refusal {
  label: string;
  name?: string;
  reason: string;
}

export interface LabInspection {
  nics: { ref: NicRef; role: NicState['role']; link: IpLink }[];
  facts: NicFacts[];
  refusals: Refusal[];
}

/** A command line as the record shows it. */
const shown = (argv: string[], netns?: string) => `${netns ? `[netns ${netns}] ` : ''}${argv.join(' ')}`;

/** The target, with every command and process it starts written to `log`. */
export function recordingTarget(target: Target, log: string[]): Target {
  return Object.assign(Object.create(target) as Target, {
    exec: (argv: string[], options?: ExecOptions) => {
      log.push(`${shown(argv, options?.netns)}${options?.input ? ` <<< ${options.input}` : ''}`);
      return target.exec(argv, options);
    },
    spawn: (argv: string[], options?: SpawnOptions) => {
      log.push(shown(argv, options?.netns));
      return target.spawn(argv, options);
    },
  });
}

/** Which devices NetworkManager or systemd-networkd manage (empty where neither runs). */
async function managedDevices(target: Target): Promise<Map<string, 'NetworkManager' | 'systemd-networkd'>> {
  const script = [
    'command -v nmcli >/dev/null && nmcli -t -f DEVICE,STATE device status 2>/dev/null | sed "s/^/nm:/"',
    'command -v networkctl >/dev/null && systemctl is-active -q systemd-networkd 2>/dev/null && networkctl list --no-legend --no-pager 2>/dev/null | sed "s/^/nd:/"',
    'true',
  ].join('; ');
  const managed = new Map<string, 'NetworkManager' | 'systemd-networkd'>();
  for (const line of (await target.exec(['sh', '-c', script])).stdout.split('\n')) {
    const nm = /^nm:([^:]+):(.*)$/.exec(line);
    if (nm?.[1] && nm[2] && !nm[2].startsWith('unmanaged')) managed.set(nm[1], 'NetworkManager');
    const nd = /^nd:\s*\d+\s+(\S+)\s+\S+\s+\S+\s+(\S+)/.exec(line);
    if (nd?.[1] && nd[2] && nd[2] !== 'unmanaged') managed.set(nd[1], 'systemd-networkd');
  }
  return managed;
}

/**
 * Find the lab's NICs and say which must not be touched, and why. Reads only: nothing changes.
 * `sessionAddress` is the address the user's own session reaches the machine through.
 */
export async function inspectLab(target: Target, lab: Lab, sessionAddress?: string): Promise<LabInspection> {
  const [links, pci, managed, routes4, routes6, addrs] = await Promise.all([
    listLinks(target),
    pciAddresses(target),
    managedDevices(target),
    target.exec(['ip', '-j', 'route', 'show', 'default']),
    target.exec(['ip', '-j', '-6', 'route', 'show', 'default']),
    target.exec(['ip', '-j', 'addr', 'show']),
  ]);
  const defaultDevs = new Set(
    [
      ...(JSON.parse(routes4.stdout || '[]') as { dev?: string }[]),
      ...(JSON.parse(routes6.stdout || '[]') as { dev?: string }[]),
    ].map((r) => r.dev),
  );
  const allAddresses = JSON.parse(addrs.stdout || '[]') as LinkAddresses[];
  const addresses = new Map(
    allAddresses.map((l) => [
      l.ifname,
      (l.addr_info ?? []).filter((a) => !(a.family === 'inet6' && a.scope === 'link')),
    ]),
  );
  const session = sessionCarriers(sessionAddress, links, allAddresses);
  const refs = [
    ...lab.nics.map((ref) => ({ ref, role: 'dut' as const })),
    ...(lab.far.kind === 'peer' ? lab.far.nics.map((ref) => ({ ref, role: 'peer' as const })) : []),
    ...(lab.far.kind === 'switch' && lab.far.uplink ? [{ ref: lab.far.uplink, role: 'uplink' as const }] : []),
  ];
  const nics: LabInspection['nics'] = [];
  const refusals: Refusal[] = [];
  for (const { ref, role } of refs) {
    const link = findNic(ref, links, pci);
    const named = ref.mac ? `permanent MAC ${ref.mac}` : `PCI address ${ref.pci}`;
    if (!link) {
      refusals.push({ label: ref.label, reason: `no NIC with ${named} on ${target.description}` });
      continue;
    }
    nics.push({ ref, role, link });
    const refuse = (reason: string) => refusals.push({ label: ref.label, name: link.ifname, reason });
    const own = addresses.get(link.ifname) ?? [];
    if (defaultDevs.has(link.ifname)) refuse('it carries the default route');
    const holder = session.get(link.ifname);
    if (sessionAddress && holder) refuse(sessionRefusal(sessionAddress, link.ifname, holder));
    else if (own.length) refuse(`it has address(es) bondlab did not add: ${own.map((a) => a.local).join(', ')}`);
    if (link.master) refuse(`it is a port of ${link.master}`);
    const manager = managed.get(link.ifname);
    if (manager === 'systemd-networkd')
      refuse(
        'systemd-networkd manages it (mark it unmanaged in its .network file; networkd cannot release it at run time)',
      );
    else if (manager && !ref.release)
      refuse(
        `${manager} manages it (release: true in the lab file lets bondlab mark it unmanaged for the run and give it back)`,
      );
  }
  const facts = await Promise.all(nics.map(({ ref, role, link }) => nicFacts(target, ref.label, role, link)));
  return { nics, facts, refusals };
}

export class LabRefusedError extends Error {
  constructor(
    readonly lab: Lab,
    readonly refusals: Refusal[],
  ) {
    super(
      `the lab ${lab.file} cannot be used; nothing was touched:\n${refusals.map((r) => `  ${r.label}${r.name ? ` (${r.name})` : ''}: ${r.reason}`).join('\n')}`,
    );
    this.name = 'LabRefusedError';
  }
}

/** The address a local SSH session reaches this machine by ($SSH_CONNECTION's third field). */
export function localSessionAddress(): string | undefined {
  return process.env.SSH_CONNECTION?.split(' ')[2];
}

export class LabSession {
  /** Every command issued on the target during the lab run, in order. */
  readonly commands: string[] = [];
  readonly target: Target;
  private unregister: (() => Promise<void>) | undefined;
  /** The cables this session's faults pulled; its restore plugs them back and forgets them. */
  readonly pulled = new PulledCables();
  /** A switch lab's port hooks, which remember the ports they shut. */
  private readonly switchPorts: ReturnType<typeof switchControl> | undefined;

  private constructor(
    target: Target,
    readonly lab: Lab,
    readonly runId: string,
    readonly facts: NicFacts[],
    readonly states: NicState[],
    private readonly qmp: QmpClient | undefined,
    commands: string[],
    journal: LabJournal,
  ) {
    this.commands = commands;
    this.target = target;
    const far = lab.far;
    this.switchPorts =
      far.kind === 'switch'
        ? switchControl(far, commands, async (shut) => {
            await writeJournal(target, { ...journal, switch: { far, shut } });
          })
        : undefined;
  }

  /** Check, journal, and take the lab over; throws LabRefusedError (nothing touched) when a NIC must not be used. */
  static async open(
    base: Target,
    lab: Lab,
    runId: string,
    options: { qmp?: QmpClient; sessionAddress?: string; container?: LabJournal['container'] } = {},
  ): Promise<LabSession> {
    const commands: string[] = [];
    const target = recordingTarget(base, commands);
    const inspection = await inspectLab(target, lab, options.sessionAddress ?? localSessionAddress());
    if (inspection.refusals.length) throw new LabRefusedError(lab, inspection.refusals);
    const states = await Promise.all(
      inspection.nics.map(({ ref, role, link }) => readNicState(target, ref.label, role, link, ref.release === true)),
    );
    const journal: LabJournal = {
      runId,
      lab: lab.file,
      createdAt: new Date().toISOString(),
      nics: states,
      ...(options.container ? { container: options.container } : {}),
    };
    await writeJournal(target, journal);
    const session = new LabSession(target, lab, runId, inspection.facts, states, options.qmp, commands, journal);
    session.unregister = onTeardown(`lab ${lab.file}`, () => session.restore());
    for (const state of states.filter((s) => s.released)) {
      const result = await target.exec(['nmcli', 'device', 'set', state.name, 'managed', 'no']);
      if (result.exitCode !== 0) {
        await session.close();
        throw new Error(`NetworkManager did not release ${state.name}: ${result.stderr.trim()}`);
      }
    }
    return session;
  }

  /** The NICs for a case's topology. */
  links(): LabLinks {
    const qmp = this.qmp;
    const byRole = (role: NicState['role']) => this.states.filter((s) => s.role === role).map((s) => s.name);
    const shown = (role: NicState['role']) =>
      this.facts.filter((f) => f.role === role).map((f) => `${f.label} (${f.driver})`);
    return {
      shown: { dut: shown('dut'), peer: shown('peer'), ...(shown('uplink')[0] ? { uplink: shown('uplink')[0] } : {}) },
      dutNics: byRole('dut'),
      peerNics: byRole('peer'),
      ...(byRole('uplink')[0] ? { uplink: byRole('uplink')[0] } : {}),
      setCarrier: this.switchPorts
        ? this.switchPorts.setCarrier
        : qmp
          ? async (index, up) => {
              // Both ends of the emulated cable: each driver sees its carrier go, as with a pulled cable.
              for (const end of ['dut', 'peer']) {
                this.commands.push(`qmp set_link ${end}${index} ${up}`);
                await qmp.setLink(`${end}${index}`, up);
              }
              return `cable ${index} ${up ? 'plugged (QMP set_link up)' : 'pulled (QMP set_link down)'}`;
            }
          : undefined,
      restore: () => this.restore(),
      pulled: this.pulled,
    };
  }

  /** Put every NIC back as journaled; throws when something could not be. */
  async restore(): Promise<void> {
    const reopened = (await this.switchPorts?.reopen()) ?? [];
    if (this.qmp) {
      // A cable left pulled is the run's doing too.
      for (const i of this.states.filter((s) => s.role === 'dut').keys())
        for (const end of ['dut', 'peer']) await this.qmp.setLink(`${end}${i}`, true);
    }
    this.pulled.clear();
    const problems = [...reopened, ...(await restoreNics(this.target, this.states))];
    if (problems.length)
      throw new Error(
        `the lab's NICs could not all be restored (the journal ${journalPath(this.runId)} stays for bondlab cleanup): ${problems.join('; ')}`,
      );
  }

  /** For results.json: the NICs' facts and the commands so far (the same array, still growing). */
  record(): { file: string; nics: NicFacts[]; commands: string[] } {
    return { file: this.lab.file, nics: this.facts, commands: this.commands };
  }

  /** Restore, then remove the journal. */
  async close(): Promise<void> {
    await this.unregister?.();
    this.unregister = undefined;
    await this.target.exec(['rm', '-f', journalPath(this.runId)]);
  }
}
