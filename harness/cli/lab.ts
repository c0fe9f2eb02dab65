import { Command } from 'commander';
import { farSideRefusal, type Lab } from '../lab/lab.js';
import { loadLabFile } from '../lab/load.js';
import { inspectLab, localSessionAddress, type LabInspection } from '../lab/session.js';
import type { TargetKind } from '../runner/run.js';
import { formatInputError, type ScenarioCase } from '../scenario/plan.js';
import { HostTarget } from '../target/host.js';
import type { Target } from '../target/target.js';
import { VmTarget } from '../vm/vm-target.js';
import { UsageError, exitCodes } from './errors.js';
import { printJson } from './output.js';
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
export async function labForRun(file: string, cases: ScenarioCase[], target: TargetKind): Promise<Lab> {
  const lab = await loadLab(file);
  if (lab.emulated && target !== 'vm')
    throw new UsageError(`the lab ${lab.file} is emulated: its NICs exist in the VM target only (--target vm)`);
  if (!lab.emulated && target === 'vm')
    throw new UsageError(`the lab ${lab.file} names real NICs; the VM target has none (use --target host)`);
  if (target === 'container') throw new UsageError('--lab on the container target is not supported yet');
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

function inspectionText(lab: Lab, inspection: LabInspection): string {
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
    inspection.refusals.length
      ? `would refuse:\n${inspection.refusals.map((r) => `  ${r.label}${r.name ? ` (${r.name})` : ''}: ${r.reason}`).join('\n')}`
      : 'would refuse: nothing',
  );
  return lines.join('\n');
}

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('lab files: the real (or emulated) NICs runs can use');
  lab
    .command('check')
    .description(
      "find the lab's NICs and show link, speed, driver and what a run would refuse; touches nothing (an emulated lab boots its VM)",
    )
    .argument('<file>', 'the lab file')
    .addOption(kernelOption())
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every NIC found and usable; 1 a NIC is missing or would be refused; 2 bad lab file.',
    )
    .action(async (file: string, options: { kernel: string; json?: boolean }) => {
      const loaded = await loadLab(file);
      if (loaded.machine.kind === 'ssh')
        throw new UsageError(
          `the lab ${loaded.file} is on ${loaded.machine.destination}: lab check reaches local machines only`,
        );
      const target: Target = loaded.emulated
        ? await VmTarget.boot({ kernel: options.kernel, emulatedNics: loaded.emulated })
        : new HostTarget();
      try {
        const inspection = await inspectLab(target, loaded, localSessionAddress());
        if (options.json) printJson({ lab: loaded.file, nics: inspection.facts, refusals: inspection.refusals });
        else process.stdout.write(`${inspectionText(loaded, inspection)}\n`);
        process.exitCode = inspection.refusals.length ? exitCodes.failed : exitCodes.ok;
      } finally {
        await target.close();
      }
    });
}
