/** What a lab run records in results.json, and how a run opens its lab on a target. */
import type { Target } from '../target/target.js';
import { VmTarget } from '../vm/vm-target.js';
import type { Lab } from './lab.js';
import type { NicFacts } from './nics.js';
import { LabSession, localSessionAddress } from './session.js';

export interface LabRecord {
  file: string;
  nics: NicFacts[];
  /** Every command the run issued on the target, in order (the lab's own, the topology's, the faults'). */
  commands: string[];
  /** Set when the NICs could not all be put back at the end; the journal then stays for `bondlab cleanup`. */
  restoreError?: string;
}

/**
 * The address the machine is reached through by the session bondlab came in on: over ssh, the
 * agent's own session ($SSH_CONNECTION there); here, the user's.
 */
export async function sessionAddressOf(target: Target): Promise<string | undefined> {
  if (target.kind !== 'ssh') return localSessionAddress();
  const said = await target.exec(['sh', '-c', 'echo "$SSH_CONNECTION"']);
  return said.stdout.trim().split(' ')[2] || undefined;
}

/** The lab on the run's target; an emulated lab needs the VM's QMP to pull its cables. */
export async function openLab(target: Target, lab: Lab, runId: string): Promise<LabSession> {
  if (lab.emulated && !(target instanceof VmTarget && target.emulatedNics))
    throw new Error(`the lab ${lab.file} is emulated: it runs on --target vm only`);
  if (lab.machine.kind === 'ssh' && target.kind !== 'ssh')
    throw new Error(
      `the lab ${lab.file} is on ${lab.machine.destination}: run it with that machine as the target (--target ssh)`,
    );
  return await LabSession.open(target, lab, runId, {
    qmp: target instanceof VmTarget ? target.emulatedNics?.qmp : undefined,
    sessionAddress: await sessionAddressOf(target),
  });
}
