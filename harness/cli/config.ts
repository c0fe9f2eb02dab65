import { relative } from 'node:path';
import { Command } from 'commander';
import { findings, type Finding } from '../config/findings.js';
import { ConfigError, type At, type ConfigModel } from '../config/model.js';
import { readConfig } from '../config/read.js';
import { exitCodes } from './errors.js';
import { printJson, printable } from './output.js';

/** A place as people type it: relative to here when below it. */
function place(at: At): string {
  const near = relative(process.cwd(), at.file);
  return `${near && !near.startsWith('..') ? near : at.file}:${at.line}`;
}

export function formatCheck(model: ConfigModel, found: Finding[]): string {
  const lines: string[] = [];
  for (const bond of model.bonds) {
    lines.push(`${bond.name} (${bond.format}, ${place(bond.at)})`);
    for (const [option, valued] of Object.entries(bond.options)) {
      const value = Array.isArray(valued.value) ? valued.value.join(',') : valued.value;
      lines.push(`  ${option.padEnd(18)} ${value.padEnd(16)} ${valued.key.padEnd(24)} ${place(valued.at)}`);
    }
    lines.push(`  ${'ports'.padEnd(18)} ${bond.ports.map((p) => p.value).join(' ')}`);
    for (const set of bond.portOptions ?? [])
      lines.push(
        `  ${`${set.option} ${set.port}`.padEnd(18)} ${set.value.padEnd(16)} ${set.key.padEnd(24)} ${place(set.at)}`,
      );
    if (bond.addressing)
      lines.push(
        `  ${'addressing'.padEnd(18)} ${bond.addressing.method}${bond.addressing.addresses.length ? ` ${bond.addressing.addresses.join(' ')}` : ''}${bond.addressing.gateway ? ` via ${bond.addressing.gateway}` : ''}`,
      );
    if (bond.hwaddress)
      lines.push(
        `  ${'hwaddress'.padEnd(18)} ${bond.hwaddress.value.padEnd(16)} ${bond.hwaddress.key.padEnd(24)} ${place(bond.hwaddress.at)}`,
      );
  }
  const module = Object.entries(model.module.options);
  if (module.length) {
    lines.push(`module bonding (${model.module.aliases.map((a) => `alias ${a.value}`).join(', ') || 'no alias'})`);
    for (const [key, valued] of module)
      lines.push(`  ${key.padEnd(18)} ${valued.value.padEnd(16)} ${''.padEnd(24)} ${place(valued.at)}`);
  }
  if (!model.bonds.length) lines.push('no bonds defined');
  lines.push(found.length ? 'findings:' : 'no findings');
  for (const f of found)
    lines.push(`  ${place(f.at)}: ${f.severity}: ${f.bond ? `${f.bond}: ` : ''}${f.message} [${f.code}]`);
  return `${printable(lines.join('\n'))}\n`;
}

export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description(
      "the user's own bonding configuration: ifupdown, modprobe.d, netplan, NetworkManager, systemd-networkd",
    );
  config
    .command('check')
    .description('read configuration files and print each bond as the kernel will see it, with findings')
    .argument(
      '<paths...>',
      'files or directories: /etc/network/interfaces, /etc/modprobe.d, /etc/netplan, /etc/NetworkManager/system-connections, /etc/systemd/network',
    )
    .option('--json', 'print the model and the findings as JSON')
    .addHelpText(
      'after',
      '\nThe format is told by the name (interfaces, *.conf, *.yaml, *.nmconnection, *.netdev, *.network) or else by the content.\n' +
        'Exit codes: 0 no error finding, 1 an error finding (e.g. no link monitoring: no failover), 2 a file that cannot be read or\n' +
        'understood (unknown options, values the driver refuses, a bond without ports, a source loop), as file:line: message.',
    )
    .action((paths: string[], options: { json?: boolean }) => {
      let model: ConfigModel;
      try {
        model = readConfig(paths);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        if (options.json) printJson({ error: { file: error.at.file, line: error.at.line, message: error.reason } });
        else process.stderr.write(`${printable(`${place(error.at)}: ${error.reason}`)}\n`);
        process.exitCode = exitCodes.usage;
        return;
      }
      const found = findings(model);
      if (options.json) printJson({ ...model, findings: found });
      else process.stdout.write(formatCheck(model, found));
      process.exitCode = found.some((f) => f.severity === 'error') ? exitCodes.failed : exitCodes.ok;
    });
}
