import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { crossCheck, type Disagreement } from '../bond/crosscheck.js';
import { readNetlink } from '../bond/netlink.js';
import { parseProcBonding, type ProcParseResult } from '../bond/proc.js';
import type { BondStatus } from '../bond/status.js';
import { readSysfs } from '../bond/sysfs.js';
import { HostTarget } from '../target/host.js';
import { run, type Target } from '../target/target.js';
import { VmTarget } from '../vm/vm-target.js';
import { UsageError } from './errors.js';
import { printJson } from './output.js';
import { kernelOption } from './vm.js';

export interface Inspection extends ProcParseResult {
  /** Live inspections read sysfs and netlink too and say where the three disagree. */
  sysfs?: BondStatus;
  netlink?: BondStatus;
  disagreements?: Disagreement[];
}

export async function inspectLive(target: Target, bond: string, netns?: string): Promise<Inspection> {
  const procArgv = ['cat', `/proc/net/bonding/${bond}`];
  const proc = await target.exec(procArgv, { netns });
  if (proc.exitCode !== 0) throw new UsageError(`no bond named ${bond}${netns ? ` in namespace ${netns}` : ''}: ${proc.stderr.trim()}`);
  const parsed = parseProcBonding(proc.stdout, bond);
  const sysfs = await readSysfs(target, bond, netns);
  const netlink = await readNetlink(target, bond, netns);
  return { ...parsed, sysfs, netlink, disagreements: crossCheck([parsed.status, sysfs, netlink]) };
}

export function formatInspection(inspection: Inspection): string {
  const s = inspection.status;
  const lines: string[] = [];
  const row = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') lines.push(`${label.padEnd(22)} ${String(value)}`);
  };
  row('bond', s.bond);
  row('driver', s.driver?.line.replace('Ethernet Channel Bonding Driver: ', ''));
  row('mode', s.mode ? `${s.mode.name} (${s.mode.number})` : 'unknown');
  row('MII status', s.miiStatus);
  row('active slave', s.activeSlave === null ? 'none' : s.activeSlave);
  row('primary', s.primary === null ? undefined : `${s.primary}${s.primaryReselect ? ` (reselect ${s.primaryReselect})` : ''}`);
  row('transmit hash', s.xmitHashPolicy?.name);
  row('miimon / up / down', s.miimon === undefined ? undefined : `${s.miimon} / ${s.updelay ?? 0} / ${s.downdelay ?? 0} ms`);
  row('ARP interval', s.arpInterval ? `${s.arpInterval} ms, targets ${(s.arpIpTargets ?? []).join(', ') || 'none'}` : undefined);
  if (s.ad) {
    const aggregator = s.ad.activeAggregator;
    row('LACP', `rate ${s.ad.lacpRate ?? '?'}, ad_select ${s.ad.adSelect ?? '?'}, min links ${s.ad.minLinks ?? '?'}`);
    row('active aggregator', aggregator === null ? 'none' : aggregator ? `${aggregator.id}: ${aggregator.numberOfPorts ?? '?'} ports, partner ${aggregator.partnerMac ?? '?'}` : undefined);
  }
  lines.push('', `${'slave'.padEnd(12)} ${'MII'.padEnd(11)} ${'speed'.padEnd(11)} ${'failures'.padEnd(9)} aggregator / LACP actor state`);
  for (const slave of s.slaves) {
    const flags = slave.actor?.portStateFlags;
    const lacp = flags ? Object.entries(flags).filter(([, on]) => on).map(([flag]) => flag).join(',') : '';
    const speed = slave.speed === undefined ? '-' : slave.speed === 'unknown' ? 'unknown' : `${slave.speed} Mbps`;
    lines.push(
      `${slave.name.padEnd(12)} ${slave.miiStatus.padEnd(11)} ${speed.padEnd(11)} ${String(slave.linkFailureCount ?? '-').padEnd(9)} ${slave.aggregatorId ?? ''}${lacp ? ` ${lacp}` : ''}`,
    );
  }
  if (s.slaves.length === 0) lines.push('(no slaves)');
  for (const d of inspection.diagnostics) lines.push(`${d.severity}: ${d.line ? `line ${d.line}: ` : ''}${d.message}`);
  for (const u of inspection.unknownLines) lines.push(`unknown line ${u.line}: ${u.text}`);
  for (const d of inspection.disagreements ?? []) {
    lines.push(`sources disagree on ${d.field}: ${Object.entries(d.values).map(([source, value]) => `${source}=${JSON.stringify(value)}`).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--file ${file}: ${(error as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("print a bond's state: from a /proc/net/bonding text (a file, or - for stdin), or live from a target")
    .option('--file <path>', 'a /proc/net/bonding text, e.g. pasted from a ticket; - reads stdin')
    .addOption(new Option('-t, --target <kind>', 'read a live bond on this target').choices(['host', 'vm']))
    .option('-b, --bond <name>', 'the bond to read live')
    .option('-n, --netns <name>', 'the namespace the bond lives in')
    .addOption(kernelOption())
    .option('--setup <command>', 'with --target vm: a shell command that creates the bond first (the VM starts empty)')
    .option('--json', 'print JSON (shape: harness/bond/bond-status.schema.json)')
    .action(async (options: { file?: string; target?: 'host' | 'vm'; bond?: string; netns?: string; kernel: string; setup?: string; json?: boolean }) => {
      let inspection: Inspection;
      if (options.file !== undefined) {
        if (options.target) throw new UsageError('inspect: give either --file or --target, not both');
        inspection = parseProcBonding(await readInput(options.file), options.bond);
      } else if (options.target) {
        if (!options.bond) throw new UsageError('inspect --target needs --bond NAME');
        const target: Target = options.target === 'host' ? new HostTarget() : await VmTarget.boot({ kernel: options.kernel });
        try {
          if (options.setup) await run(target, ['sh', '-c', options.setup], { cwd: process.cwd() });
          inspection = await inspectLive(target, options.bond, options.netns);
        } finally {
          await target.close();
        }
      } else {
        throw new UsageError('inspect: give --file PATH (or - for stdin) or --target host|vm --bond NAME');
      }
      if (options.json) printJson(inspection);
      else process.stdout.write(formatInspection(inspection));
    });
}
