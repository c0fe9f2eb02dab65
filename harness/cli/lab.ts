import { Command } from 'commander';
import type { EngineKind } from '../container/engine.js';
import { containerLabRefusal } from '../lab/container.js';
import { farSideRefusal, type Lab } from '../lab/lab.js';
import { probeCabling, type Cabling } from '../lab/cabling.js';
import { JOURNAL_DIR } from '../lab/journal.js';
import { loadLabFile } from '../lab/load.js';
import { sessionAddressOf } from '../lab/record.js';
import { inspectLab, type LabInspection } from '../lab/session.js';
import type { TargetKind } from '../runner/run.js';
import { formatInputError, type ScenarioCase } from '../scenario/plan.js';
import { HostTarget } from '../target/host.js';
import type { Target } from '../target/target.js';
import { newRunId } from '../topology/names.js';
import { VmTarget } from '../vm/vm-target.js';
import { openSshTarget, type SshTargetOptions } from '../transport/ssh.js';
import { UsageError, exitCodes } from './errors.js';
import { printJson } from './output.js';
import { addSshOptions, sshTargetOptions, type SshChoice } from './target-options.js';
import { kernelOption } from './vm.js';

async function loadLab(file: string): Promise<Lab> {
  const loaded = await loadLabFile(file);
  if ('errors' in loaded) {
    for (const error of loaded.errors) process.stderr.write(`${formatInputError(error)}\n`);
    throw new UsageError(`${loaded.errors.length} error(s) in the lab file ${file}; nothing was run`);
  }
  return loaded.lab;
}

/** The lab for `run --lab`, refused before anything is touched when a case needs what the lab lacks. */
export async function labForRun(
  file: string,
  cases: ScenarioCase[],
  target: TargetKind,
  sshDestination?: string,
  engine: EngineKind = 'docker',
): Promise<Lab> {
  const lab = await loadLab(file);
  if (lab.machine.kind === 'ssh' && (target !== 'ssh' || sshDestination !== lab.machine.destination))
    throw new UsageError(
      `the lab ${lab.file} is on ${lab.machine.destination}: run it with --target ssh --ssh ${lab.machine.destination}`,
    );
  if (lab.machine.kind === 'local' && target === 'ssh')
    throw new UsageError(
      `the lab ${lab.file} names this machine's NICs (machine: local); --target ssh reaches another`,
    );
  if (lab.emulated && target !== 'vm' && target !== 'container')
    throw new UsageError(
      `the lab ${lab.file} is emulated: its NICs exist in a VM bondlab boots only (--target vm, or --target container --engine vm)`,
    );
  if (!lab.emulated && target === 'vm')
    throw new UsageError(`the lab ${lab.file} names real NICs; the VM target has none (use --target host)`);
  const inContainer = target === 'container' ? containerLabRefusal(lab, engine) : undefined;
  if (inContainer) throw new UsageError(inContainer);
  const refused = cases.flatMap((c) => {
    const reason = farSideRefusal(lab, c.topology.farSide, c.topology.slaves);
    return reason ? [`${c.at.file}:${c.at.line}:${c.at.column}: ${c.name}: ${reason}`] : [];
  });
  if (refused.length) {
    for (const line of refused) process.stderr.write(`${line}\n`);
    throw new UsageError(`${refused.length} case(s) cannot run on the lab ${lab.file}; nothing was run`);
  }
  return lab;
}

/**
 * How `lab check` reaches the lab's machine: the lab names it, so the --ssh-* login options apply
 * to it without --ssh; --ssh, when given, must name the same machine. Undefined: this machine.
 */
export function labLogin(lab: Lab, choice: SshChoice): SshTargetOptions | undefined {
  const machine = lab.machine;
  if (machine.kind === 'local') {
    if (choice.ssh !== undefined)
      throw new UsageError(`the lab ${lab.file} names this machine's NICs (machine: local); drop --ssh`);
    return sshTargetOptions(choice);
  }
  if (choice.ssh !== undefined && choice.ssh !== machine.destination)
    throw new UsageError(`the lab ${lab.file} is on ${machine.destination}, not on --ssh ${choice.ssh}`);
  return sshTargetOptions({ ...choice, ssh: machine.destination });
}

function inspectionText(lab: Lab, inspection: LabInspection, cabling: Cabling): string {
  const rows = [['label', 'role', 'name', 'driver', 'firmware', 'bus', 'speed', 'duplex', 'link', 'permanent MAC']];
  for (const f of inspection.facts)
    rows.push([f.label, f.role, f.name, f.driver, f.firmware, f.busAddress, f.speed, f.duplex, f.link, f.permanentMac]);
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = [
    `lab ${lab.file}: ${inspection.facts.length} NIC(s) found`,
    ...rows.map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
  ];
  if (lab.far.kind === 'switch')
    lines.push(
      `far side: switch ports ${lab.far.ports.join(', ')} (${lab.far.groups.map((g) => `${g.lag}: ${g.ports.join(' ')}`).join('; ') || 'no LAG groups'})`,
    );
  else
    lines.push(
      `far side: peer NICs ${lab.far.nics.map((n) => n.label).join(', ')}, cabled in order to ${lab.nics.map((n) => n.label).join(', ')}`,
    );
  lines.push(
    cabling.probed
      ? `cabling (probe frames):\n${cabling.rows.map((r) => `  ${r.status === 'ok' ? 'ok' : 'FINDING'}: ${r.detail}`).join('\n')}`
      : `cabling: ${cabling.reason}`,
  );
  lines.push(
    inspection.refusals.length
      ? `would refuse:\n${inspection.refusals.map((r) => `  ${r.label}${r.name ? ` (${r.name})` : ''}: ${r.reason}`).join('\n')}`
      : 'would refuse: nothing',
  );
  return lines.join('\n');
}

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('lab files: the real (or emulated) NICs runs can use');
  const check = lab
    .command('check')
    .description(
      "find the lab's NICs and show link, speed, driver, cabling and what a run would refuse (an emulated lab boots its VM)",
    )
    .argument('<file>', 'the lab file')
    .addOption(kernelOption())
    .option('--no-probe', 'do not probe the cabling (then nothing at all is changed)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Cabling: on a back-to-back lab with nothing to refuse, each test NIC sends ICMPv6 echo requests
to ff02::1 (link-local: they stay on the cable) with a pattern of its own, and tcpdump on the peer
NICs shows where each arrives. NICs that are down are brought up for it under a journal
(${JOURNAL_DIR}) and put back down; a NIC without carrier is reported as "no link, not probed".

Exit codes: 0 every NIC found, usable and cabled as the lab says; 1 a NIC is missing, would be
refused, has no link or is cabled otherwise; 2 bad lab file.

A lab on another machine (machine: { ssh: user@host }) is checked there, over ssh; the --ssh-*
options say how to log in (--ssh itself, when given, must name the lab's machine).`,
    );
  addSshOptions(check).action(
    async (file: string, options: SshChoice & { kernel: string; json?: boolean; probe: boolean }) => {
      const loaded = await loadLab(file);
      const ssh = labLogin(loaded, options);
      const target: Target = ssh
        ? await openSshTarget(ssh)
        : loaded.emulated
          ? await VmTarget.boot({ kernel: options.kernel, emulatedNics: loaded.emulated })
          : new HostTarget();
      try {
        const sessionAddress = await sessionAddressOf(target);
        const inspection = await inspectLab(target, loaded, sessionAddress);
        const cabling: Cabling = options.probe
          ? await probeCabling(target, loaded, inspection, newRunId(), sessionAddress)
          : { probed: false, reason: 'not probed (--no-probe)' };
        if (options.json)
          printJson({ lab: loaded.file, nics: inspection.facts, cabling, refusals: inspection.refusals });
        else process.stdout.write(`${inspectionText(loaded, inspection, cabling)}\n`);
        const miscabled = cabling.probed && cabling.rows.some((r) => r.status !== 'ok');
        process.exitCode = inspection.refusals.length || miscabled ? exitCodes.failed : exitCodes.ok;
      } finally {
        await target.close();
      }
    },
  );
}
