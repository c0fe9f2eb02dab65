/**
 * /etc/modprobe.d files (modprobe.d(5)): `alias NAME bonding` and `options bonding|NAME k=v ...`.
 * The bonding module's parameters are the defaults of every bond made after it loads, so they
 * count for every bond that does not set its own.
 */
import { ConfigError, type ModuleConfig } from './model.js';
import { logicalLines } from './lines.js';
import { OPTION_NAMES, toKernelValue, valueProblem } from './options.js';

/** Module parameters that are no per-bond option (modinfo bonding). */
const MODULE_ONLY = new Set(['max_bonds', 'tx_queues']);
/** The per-bond options that are also module parameters (modinfo bonding on 6.1). */
const MODULE_PARAMS = new Set([
  'num_grat_arp',
  'num_unsol_na',
  'miimon',
  'updelay',
  'downdelay',
  'use_carrier',
  'mode',
  'primary',
  'primary_reselect',
  'lacp_rate',
  'ad_select',
  'min_links',
  'xmit_hash_policy',
  'arp_interval',
  'arp_ip_target',
  'arp_validate',
  'arp_all_targets',
  'fail_over_mac',
  'all_slaves_active',
  'resend_igmp',
  'packets_per_slave',
  'lp_interval',
]);

export function readModprobe(text: string, file: string, module: ModuleConfig): void {
  const lines = logicalLines(text);
  const names = new Set(['bonding']);
  for (const { line, text: content } of lines) {
    const [command, name, target] = content.split(/\s+/);
    if (command === 'alias' && target === 'bonding' && name) {
      names.add(name);
      module.aliases.push({ value: name, key: 'alias', at: { file, line } });
    }
  }
  for (const { line, text: content } of lines) {
    const [command, name, ...params] = content.split(/\s+/);
    if (!['alias', 'options', 'install', 'remove', 'blacklist', 'softdep'].includes(command ?? ''))
      throw new ConfigError({ file, line }, `unknown modprobe.d command ${JSON.stringify(command)}`);
    if (command !== 'options' || !name || !names.has(name)) continue;
    for (const param of params) {
      const at = { file, line };
      const eq = param.indexOf('=');
      if (eq <= 0) throw new ConfigError(at, `options ${name}: expected name=value; got ${JSON.stringify(param)}`);
      const key = param.slice(0, eq);
      const raw = param.slice(eq + 1).replace(/^"(.*)"$/, '$1');
      if (MODULE_ONLY.has(key)) {
        if (!/^\d+$/.test(raw)) throw new ConfigError(at, `${key}: expected a number; got ${JSON.stringify(raw)}`);
        module.options[key] = { value: raw, key, at };
        continue;
      }
      const option = OPTION_NAMES.find((o) => o.kernel === key);
      if (!option || !MODULE_PARAMS.has(key)) throw new ConfigError(at, `unknown bonding module parameter ${key}`);
      // The module takes arp_ip_target as a comma-separated list.
      const converted = toKernelValue(option, 'modprobe', key === 'arp_ip_target' ? raw.split(',') : raw);
      if ('problem' in converted) throw new ConfigError(at, `${key}: ${converted.problem}`);
      const problem = valueProblem(key, converted.value);
      if (problem) throw new ConfigError(at, `${key}: ${problem}`);
      // Kept in the order written: the kernel reads parameters in order, so of num_grat_arp and num_unsol_na (one value) the later wins.
      delete module.options[key];
      module.options[key] = {
        value: Array.isArray(converted.value) ? converted.value.join(',') : converted.value,
        key,
        at,
      };
    }
  }
}
