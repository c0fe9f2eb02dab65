/**
 * A lab on the container target. The lab's NICs are in the root namespace of the machine that
 * runs the Docker engine: the engine's VM (`--engine vm`, which then carries an emulated lab's
 * NICs) or this machine (a local engine). That machine's root namespace is where the lab is
 * checked and journaled, as on any target; for each case the NICs are lent to the privileged
 * container (`ip link set dev X netns <its pid>`), where the case's topology takes them, and
 * after it they are given back to the root namespace and restored from the journal.
 */
import { ContainerTarget } from '../container/container-target.js';
import { defaultDockerHost, type EngineKind } from '../container/engine.js';
import { HostTarget } from '../target/host.js';
import { onTeardown } from '../target/teardown.js';
import { run, type Target } from '../target/target.js';
import { containerProcessAlive, returnFromContainer, type LentTo } from './container-netns.js';
import type { Lab } from './lab.js';
import { openLab } from './record.js';
import { LabSession, localSessionAddress, recordingTarget, type LabLinks } from './session.js';

/**
 * Why a lab cannot run on the container target with this engine, or undefined. The NICs must be
 * in the root namespace of the engine's own machine: an emulated lab's exist in a VM bondlab boots
 * (the engine's, with --engine vm), real ones on this machine (a local engine).
 */
export function containerLabRefusal(
  lab: Lab,
  engine: EngineKind,
  dockerHost = defaultDockerHost(),
): string | undefined {
  if (lab.emulated && engine !== 'vm')
    return `the lab ${lab.file} is emulated: its NICs exist only in a VM bondlab boots; on the container target that is the engine's (--engine vm)`;
  if (!lab.emulated && engine === 'vm')
    return `the lab ${lab.file} names real NICs; the engine VM of --engine vm has none (use --engine docker with a Docker engine on the machine that has them)`;
  if (!lab.emulated && !dockerHost.startsWith('unix://'))
    return `the lab ${lab.file} names this machine's NICs, but the Docker engine at ${dockerHost} (DOCKER_HOST) is not on this machine: its containers cannot take them (use the local engine's socket)`;
  return undefined;
}

/** The machine whose root namespace holds the lab's NICs: the engine's VM, or this machine for a local engine. */
export function labMachine(target: Target): Target {
  if (!(target instanceof ContainerTarget)) return target;
  const engine = target.engine;
  if (engine.vm) return engine.vm;
  if (engine.host.startsWith('unix://')) return new HostTarget();
  throw new Error(
    `the Docker engine at ${engine.host} is not on this machine: a lab's NICs cannot be lent to its containers`,
  );
}

/** What a run uses of its lab, on any target. */
export interface LabRun {
  /** The target the cases run on, recording every command into the lab's record. */
  readonly target: Target;
  links(): LabLinks;
  record(): ReturnType<LabSession['record']>;
  close(): Promise<void>;
}

/** A lab whose NICs are lent to a container target case by case. */
export class ContainerLab implements LabRun {
  readonly target: Target;
  private unregister: (() => Promise<void>) | undefined;

  private constructor(
    private readonly session: LabSession,
    container: ContainerTarget,
    private readonly lentTo: LentTo,
  ) {
    this.target = recordingTarget(container, session.commands);
    // Registered after the session's restore, so it runs first: the NICs must be out of the container to be restored.
    this.unregister = onTeardown(`lab NICs in container ${lentTo.id.slice(0, 12)}`, () => this.giveBack());
  }

  static async open(container: ContainerTarget, lab: Lab, runId: string): Promise<ContainerLab> {
    const machine = labMachine(container);
    const inspected = await container.engine.docker.getContainer(container.id).inspect();
    const lentTo = { id: container.id, pid: inspected.State.Pid };
    if (!(await containerProcessAlive(machine, lentTo)))
      throw new Error(
        `the container ${container.id.slice(0, 12)} has no process ${lentTo.pid} on ${machine.description}: its engine (${container.engine.description}) is not that machine's, so the lab's NICs cannot be lent to it`,
      );
    const session = await LabSession.open(machine, lab, runId, {
      qmp: container.engine.vm?.emulatedNics?.qmp,
      sessionAddress: localSessionAddress(),
      container: lentTo,
    });
    return new ContainerLab(session, container, lentTo);
  }

  private macs(): string[] {
    return this.session.states.map((state) => state.permanentMac);
  }

  /** Every NIC of the lab, under its journaled name, into the container's namespace. */
  private async lend(): Promise<void> {
    for (const state of this.session.states)
      await run(this.session.target, ['ip', 'link', 'set', 'dev', state.name, 'netns', String(this.lentTo.pid)]);
  }

  /** The NICs still in the container's namespace back to the root namespace (those in a case's namespaces come back as they are deleted). */
  private async giveBack(): Promise<void> {
    await returnFromContainer(this.session.target, this.lentTo, this.macs());
  }

  links(): LabLinks {
    const base = this.session.links();
    return {
      ...base,
      lend: () => this.lend(),
      restore: async () => {
        try {
          await this.giveBack();
        } finally {
          await base.restore();
        }
      },
    };
  }

  record(): ReturnType<LabSession['record']> {
    return this.session.record();
  }

  async close(): Promise<void> {
    try {
      await this.unregister?.();
      this.unregister = undefined;
    } finally {
      await this.session.close();
    }
  }
}

/** The lab on a run's target: through the engine's machine on the container target, else on the target itself. */
export async function openRunLab(target: Target, lab: Lab, runId: string): Promise<LabRun> {
  return target instanceof ContainerTarget
    ? await ContainerLab.open(target, lab, runId)
    : await openLab(target, lab, runId);
}
