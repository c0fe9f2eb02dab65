import { createReadStream } from 'node:fs';
import { Command, Option } from 'commander';
import { crossCheck, type Disagreement } from '../bond/crosscheck.js';
import { readNetlink } from '../bond/netlink.js';
import { parseProcBonding, type ProcParseResult } from '../bond/proc.js';
import type { BondStatus, Diagnostic } from '../bond/status.js';
import { readSysfs } from '../bond/sysfs.js';
import { run, type Target } from '../target/target.js';
import { UsageError } from './errors.js';
import { printJson, printable } from './output.js';
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
  if (proc.exitCode !== 0)
    throw new UsageError(`no bond named ${bond}${netns ? ` in namespace ${netns}` : ''}: ${proc.stderr.trim()}`);
  const parsed = parseProcBonding(proc.stdout, bond);
  const sysfs = await readSysfs(target, bond, netns);
  const netlink = await readNetlink(target, bond, netns);
  return { ...parsed, sysfs, netlink, disagreements: crossCheck([parsed.status, sysfs, netlink]) };
}

export function formatInspection(inspection: Inspection): string {
  const s = inspection.status;
  const lines: string[] = [];
  const row = (label: string, value: string | number | boolean | null | undefined) => {
    if (value !== undefined && value !== null && value !== '') lines.push(`${label.padEnd(22)} ${String(value)}`);
  };
  row('bond', s.bond);
  row('driver', s.driver?.line.replace('Ethernet Channel Bonding Driver: ', ''));
  row('mode', s.mode ? `${s.mode.name} (${s.mode.number})` : 'unknown');
  row('MII status', s.miiStatus);
  row('active slave', s.activeSlave === null ? 'none' : s.activeSlave);
  // Modes without a primary print no Primary Slave line at all (undefined); "None" reads as null.
  row(
    'primary',
    s.primary === undefined
      ? undefined
      : `${s.primary ?? 'none'}${s.primaryReselect ? ` (reselect ${s.primaryReselect})` : ''}`,
  );
  row('transmit hash', s.xmitHashPolicy?.name);
  row(
    'miimon / up / down',
    s.miimon === undefined ? undefined : `${s.miimon} / ${s.updelay ?? 0} / ${s.downdelay ?? 0} ms`,
  );
  row(
    'ARP interval',
    s.arpInterval ? `${s.arpInterval} ms, targets ${(s.arpIpTargets ?? []).join(', ') || 'none'}` : undefined,
  );
  if (s.ad) {
    const aggregator = s.ad.activeAggregator;
    row('LACP', `rate ${s.ad.lacpRate ?? '?'}, ad_select ${s.ad.adSelect ?? '?'}, min links ${s.ad.minLinks ?? '?'}`);
    row(
      'active aggregator',
      aggregator === null
        ? 'none'
        : aggregator
          ? `${aggregator.id}: ${aggregator.numberOfPorts ?? '?'} ports, partner ${aggregator.partnerMac ?? '?'}`
          : undefined,
    );
  }
  lines.push(
    '',
    `${'slave'.padEnd(12)} ${'MII'.padEnd(11)} ${'speed'.padEnd(11)} ${'failures'.padEnd(9)} aggregator / LACP actor state`,
  );
  for (const slave of s.slaves) {
    const flags = slave.actor?.portStateFlags;
    const lacp = flags
      ? Object.entries(flags)
          .filter(([, on]) => on)
          .map(([flag]) => flag)
          .join(',')
      : '';
    const speed = slave.speed === undefined ? '-' : slave.speed === 'unknown' ? 'unknown' : `${slave.speed} Mbps`;
    lines.push(
      `${slave.name.padEnd(12)} ${slave.miiStatus.padEnd(11)} ${speed.padEnd(11)} ${String(slave.linkFailureCount ?? '-').padEnd(9)} ${slave.aggregatorId ?? ''}${lacp ? ` ${lacp}` : ''}`,
    );
  }
  if (s.slaves.length === 0) lines.push('(no slaves)');
  for (const d of inspection.diagnostics) lines.push(`${d.severity}: ${diagnosticText(d)}`);
  for (const u of inspection.unknownLines) lines.push(`unknown line ${u.line}: ${u.text}`);
  for (const d of inspection.disagreements ?? []) {
    lines.push(
      `sources disagree on ${d.field}: ${Object.entries(d.values)
        .map(([source, value]) => `${source}=${JSON.stringify(value)}`)
        .join(' ')}`,
    );
  }
  // Everything here may come from a pasted text: its escape sequences must not reach the terminal.
  return printable(`${lines.join('\n')}\n`);
}

function diagnosticText(d: Diagnostic): string {
  return `${d.line ? `line ${d.line}: ` : ''}${d.message}`;
}

/** A bond's /proc text is a few kB even with dozens of 802.3ad slaves; more is not one bond. */
const MAX_INPUT_BYTES = 1024 * 1024;

/** Reads at most MAX_INPUT_BYTES, and only text: empty, binary or oversized input is a usage error. */
async function readInput(file: string, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of file === '-' ? process.stdin : createReadStream(file)) {
      size += (chunk as Buffer).length;
      if (size > MAX_INPUT_BYTES) {
        throw new UsageError(
          `${name}: more than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, while a bond's /proc/net/bonding text is a few kB: give one bond's text`,
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
  return decodeInput(Buffer.concat(chunks), name);
}

function decodeInput(bytes: Buffer, name: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw new UsageError(`${name}: binary data (a NUL byte at offset ${nul}), not a /proc/net/bonding text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${name}: not UTF-8 text (binary data?), not a /proc/net/bonding text`);
  }
  if (text.trim() === '') throw new UsageError(`${name}: empty input, not a /proc/net/bonding text`);
  return text;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("print a bond's state: from a /proc/net/bonding text (a file, or - for stdin), or live from a target")
    .option('--file <path>', 'a /proc/net/bonding text (at most 1 MiB), e.g. pasted from a ticket; - reads stdin')
    .addOption(new Option('-t, --target <kind>', 'read a live bond on this target').choices(['host', 'vm']))
    .option('-b, --bond <name>', 'the bond to read live')
    .option('-n, --netns <name>', 'the namespace the bond lives in')
    .addOption(kernelOption())
    .option('--setup <command>', 'with --target vm: a shell command that creates the bond first (the VM starts empty)')
    .option('--json', 'print JSON (shape: harness/bond/bond-status.schema.json)')
    .action(
      async (options: {
        file?: string;
        target?: 'host' | 'vm';
        bond?: string;
        netns?: string;
        kernel: string;
        setup?: string;
        json?: boolean;
      }) => {
        let inspection: Inspection;
        let source: string;
        if (options.file !== undefined) {
          if (options.target) throw new UsageError('inspect: give either --file or --target, not both');
          source = options.file === '-' ? 'stdin' : `--file ${options.file}`;
          inspection = parseProcBonding(await readInput(options.file, source), options.bond);
        } else if (options.target) {
          if (!options.bond) throw new UsageError('inspect --target needs --bond NAME');
          source = `bond ${options.bond}`;
          // The targets' modules (execa, qemu) load only for a live inspection: --file stays fast.
          const target: Target =
            options.target === 'host'
              ? new (await import('../target/host.js')).HostTarget()
              : await (await import('../vm/vm-target.js')).VmTarget.boot({ kernel: options.kernel });
          try {
            if (options.setup) await run(target, ['sh', '-c', options.setup], { cwd: process.cwd() });
            inspection = await inspectLive(target, options.bond, options.netns);
          } finally {
            await target.close();
          }
        } else {
          throw new UsageError('inspect: give --file PATH (or - for stdin) or --target host|vm --bond NAME');
        }
        // A text that is not a bond's prints nothing; one that was cut off or pasted together prints what it held.
        if (inspection.status.driver || inspection.status.mode) {
          if (options.json) printJson(inspection);
          else process.stdout.write(formatInspection(inspection));
        }
        const errors = inspection.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length) throw new UsageError(printable(`${source}: ${errors.map(diagnosticText).join('; ')}`));
      },
    );
}
