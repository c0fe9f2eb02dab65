/**
 * Where /proc, sysfs and netlink disagree about one bond. Each compares only what it knows:
 * a field one source does not report is not a disagreement.
 */
import type { BondStatus } from './status.js';

export interface Disagreement {
  field: string;
  values: Partial<Record<BondStatus['source'], unknown>>;
}

function fields(status: BondStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {
    mode: status.mode?.name,
    activeSlave: status.activeSlave,
    miimon: status.miimon,
    updelay: status.updelay,
    downdelay: status.downdelay,
    arpInterval: status.arpInterval,
    arpIpTargets: status.arpIpTargets?.join(','),
    xmitHashPolicy: status.xmitHashPolicy?.name,
    primary: status.primary,
    slaves: status.slaves.map((s) => s.name).join(','),
    'ad.activeAggregator.id': status.ad?.activeAggregator?.id,
    'ad.activeAggregator.partnerMac': status.ad?.activeAggregator?.partnerMac,
    'ad.lacpRate': status.ad?.lacpRate,
  };
  if (status.source !== 'netlink') out.miiStatus = status.miiStatus;
  for (const slave of status.slaves) {
    out[`slaves.${slave.name}.miiStatus`] = slave.miiStatus;
    out[`slaves.${slave.name}.linkFailureCount`] = slave.linkFailureCount;
    out[`slaves.${slave.name}.permanentHwAddr`] = slave.permanentHwAddr;
    out[`slaves.${slave.name}.aggregatorId`] = slave.aggregatorId;
    out[`slaves.${slave.name}.actor.portState`] = slave.actor?.portState;
    out[`slaves.${slave.name}.partner.portState`] = slave.partner?.portState;
  }
  return out;
}

export function crossCheck(statuses: BondStatus[]): Disagreement[] {
  const perSource = statuses.map((status) => ({ source: status.source, fields: fields(status) }));
  const names = new Set(perSource.flatMap((s) => Object.keys(s.fields)));
  const disagreements: Disagreement[] = [];
  for (const field of [...names].sort()) {
    const known = perSource.filter((s) => s.fields[field] !== undefined);
    const distinct = new Set(known.map((s) => JSON.stringify(s.fields[field])));
    if (distinct.size > 1)
      disagreements.push({ field, values: Object.fromEntries(known.map((s) => [s.source, s.fields[field]])) });
  }
  return disagreements;
}
