/**
 * The advisor's rules: the seven modes ranked against the user's constraints. Every reason cites
 * either a measured cell of a mode-matrix run (mode, measurement, value, case, results.json) or a
 * statement of the kernel's bonding documentation with its section, and says which it is.
 */
import { modeMatrix, type MatrixRow } from '../report/matrix.js';
import type { RunResult } from '../runner/results.js';
import type { Advice, Evidence, MeasuredCell, Measurement, OptionAdvice, Reason } from './advice.js';
import type { Constraints } from './constraints.js';
import {
  ARP_MONITOR,
  DOCS,
  LACP_FAST_TIMEOUT_MS,
  MODES,
  SWITCH_NEEDED,
  type DocumentedStatement,
  type ModeName,
} from './vocabulary.js';

const MEASUREMENT_NAMES: Record<Measurement, string> = {
  outageLinkLossMs: 'outage, link loss (ms)',
  outageDetachMs: 'outage, detach (ms)',
  txSlaves: 'slaves carrying 8 flows out',
  singleFlowSlaves: 'slaves carrying 1 flow out',
  rxSlaves: 'slaves receiving from 4 clients',
  reordered: 'packets reordered',
  duplicates: 'duplicate packets',
};

/** A matrix run's rows for one kernel, or an error saying what is missing. */
export function matrixRows(run: RunResult, kernel?: string): { rows: MatrixRow[]; kernel: string } | { error: string } {
  const all = modeMatrix(run);
  if (!all.length) return { error: 'holds no mode-matrix case: make one with `bondlab matrix` or use --run-matrix' };
  const kernels = [...new Set(all.map((r) => r.kernel))];
  const chosen = kernel === undefined ? kernels[0] : kernels.find((k) => k.includes(kernel));
  if (chosen === undefined)
    return { error: `has no matrix rows for kernel "${kernel}" (it has: ${kernels.join('; ')})` };
  return { rows: all.filter((r) => r.kernel === chosen), kernel: chosen };
}

interface Scored {
  mode: ModeName;
  reasons: Reason[];
  options: OptionAdvice[];
  score: number;
  outage: number;
}

export function advise(
  constraints: Constraints,
  run: RunResult,
  results: string,
  kernel?: string,
): Advice | { error: string } {
  const matrix = matrixRows(run, kernel);
  if ('error' in matrix) return matrix;
  const scored = MODES.map((mode) =>
    rankMode(
      mode,
      matrix.rows.find((r) => r.mode === mode),
      constraints,
      results,
    ),
  );
  const bad = (s: Scored) => s.reasons.filter((r) => r.effect === 'rules-out').length;
  const unknown = (s: Scored) => s.reasons.filter((r) => r.effect === 'unmeasured').length;
  scored.sort((a, b) => bad(a) - bad(b) || unknown(a) - unknown(b) || b.score - a.score || a.outage - b.outage);
  return {
    constraints,
    source: { results, runId: run.runId, kernel: matrix.kernel },
    ranking: scored.map((s, i) => ({
      rank: i + 1,
      mode: s.mode,
      fits: bad(s) === 0 && unknown(s) === 0,
      reasons: s.reasons,
      options: s.options,
    })),
  };
}

function rankMode(mode: ModeName, row: MatrixRow | undefined, want: Constraints, results: string): Scored {
  const reasons: Reason[] = [];
  let score = 0;
  const cell = (measurement: Measurement): MeasuredCell | undefined => {
    const value = row?.[measurement];
    return row && value !== undefined
      ? {
          kind: 'measured',
          mode,
          measurement,
          name: MEASUREMENT_NAMES[measurement],
          value,
          case: row.case,
          kernel: row.kernel,
          results,
        }
      : undefined;
  };
  const add = (effect: Reason['effect'], text: string, ...evidence: (Evidence | undefined)[]) =>
    reasons.push({ effect, text, evidence: evidence.filter((e): e is Evidence => e !== undefined) });
  /** A constraint judged on a measured cell: met, not met, or not measured in this run. */
  const measured = (
    measurement: Measurement,
    holds: (value: number) => boolean,
    met: string,
    notMet: string,
    ...docs: DocumentedStatement[]
  ) => {
    const c = cell(measurement);
    if (!c)
      add(
        'unmeasured',
        `${MEASUREMENT_NAMES[measurement]} was not measured for ${mode} in this run${row ? ` (case ${row.verdict})` : ''}`,
        ...docs,
      );
    else if (holds(c.value)) add('meets', met, c, ...docs);
    else add('rules-out', notMet, c, ...docs);
  };
  const broadcast = mode === 'broadcast';

  const needs = SWITCH_NEEDED[mode];
  const offers = want.switch;
  if (needs === 'lacp' && offers !== 'lacp')
    add(
      'rules-out',
      `needs an LACP (802.3ad) partner; the switch offers ${offers === 'none' ? 'no aggregation' : 'static aggregation only'}`,
      DOCS.switchConfig,
    );
  else if (needs === 'static' && offers === 'none')
    add('rules-out', 'needs the switch ports grouped (static aggregation); the switch offers none', DOCS.switchConfig);
  else
    add(
      'meets',
      needs === 'none'
        ? 'needs nothing of the switch'
        : `the switch offers what it needs (${needs === 'lacp' ? 'LACP' : 'static aggregation'})`,
      DOCS.switchConfig,
    );

  if (want.singleFlowFaster) {
    if (broadcast)
      add(
        'rules-out',
        'one flow goes over every link, but as copies: no faster than one link',
        cell('singleFlowSlaves'),
        DOCS.broadcastCopies,
      );
    else
      measured(
        'singleFlowSlaves',
        (v) => v >= 2,
        'one flow was spread over more than one link',
        'one flow stayed on one link',
        mode === 'balance-rr' ? DOCS.rrSingleFlow : DOCS.lacpNoSingleFlow,
      );
  }
  if (want.spreadTransmit) {
    if (broadcast)
      add(
        'rules-out',
        'every link carries every packet: copies, not more bandwidth',
        cell('txSlaves'),
        DOCS.broadcastCopies,
      );
    else
      measured(
        'txSlaves',
        (v) => v >= 2,
        '8 flows out were spread over more than one link',
        '8 flows out stayed on one link',
      );
  } else if (!broadcast && (cell('txSlaves')?.value ?? 0) >= 2) {
    score += 0.25;
    add('favours', 'spreads flows out over the links when both are up (not required)', cell('txSlaves'));
  }
  if (want.spreadReceive) {
    measured(
      'rxSlaves',
      (v) => v >= 2,
      'traffic from 4 clients arrived over more than one link',
      'traffic from 4 clients arrived over one link',
      ...(mode === 'balance-tlb' ? [DOCS.tlbNoArp] : mode === 'balance-alb' ? [DOCS.albReceive] : []),
    );
  } else if (!broadcast && (cell('rxSlaves')?.value ?? 0) >= 2) {
    score += 0.25;
    add('favours', 'spreads traffic in over the links when both are up (not required)', cell('rxSlaves'));
  }

  if (want.reordering === 'forbidden') {
    // Equal veth links reorder little; the documentation says real links do.
    if (mode === 'balance-rr') {
      const seen = cell('reordered');
      add(
        'rules-out',
        `stripes one flow over the links, which reorders it on real links${seen ? ` (this run measured ${seen.value} on equal virtual links)` : ''}`,
        seen,
        DOCS.rrReorders,
      );
    } else measured('reordered', (v) => v === 0, 'no packet arrived out of order', 'packets arrived out of order');
  } else if (mode === 'balance-rr' && !want.singleFlowFaster) {
    score -= 0.5;
    add('against', 'reorders packets; TCP treats that as loss and retransmits', cell('reordered'), DOCS.rrReorders);
  }
  if (want.duplicates === 'forbidden') {
    if (broadcast) add('rules-out', 'sends every packet on every link', cell('duplicates'), DOCS.broadcastCopies);
    else measured('duplicates', (v) => v === 0, 'no packet arrived twice', 'packets arrived twice');
  }
  if (broadcast) {
    score -= 1;
    add('against', 'a special purpose mode', DOCS.broadcastSpecial);
  }

  const arpUsable = ARP_MONITOR.has(mode) && want.monitoring.includes('arp');
  if (!want.monitoring.includes('mii') && !ARP_MONITOR.has(mode))
    add(
      'rules-out',
      'works with the MII monitor only, which you cannot run',
      mode === '802.3ad' ? DOCS.lacpMii : DOCS.tlbNoArp,
    );
  if (want.maxOutageCablePullMs !== undefined) {
    const max = want.maxOutageCablePullMs;
    measured(
      'outageLinkLossMs',
      (v) => v <= max,
      `outage on a pulled cable within ${max} ms`,
      `outage on a pulled cable over ${max} ms`,
    );
  }
  if (want.maxOutageSwitchFailureMs !== undefined) {
    const max = want.maxOutageSwitchFailureMs;
    if (arpUsable)
      add(
        'meets',
        'the ARP monitor detects a failure beyond the port (not measured by the matrix: set arp_interval below)',
        DOCS.carrierStaysUp,
        DOCS.arpMissedMax,
      );
    else if (mode === '802.3ad' && max >= LACP_FAST_TIMEOUT_MS)
      add(
        'meets',
        `LACP times out a partner that stops answering within ${LACP_FAST_TIMEOUT_MS} ms with lacp_rate fast (not measured by the matrix)`,
        DOCS.lacpRate,
      );
    else if (mode === '802.3ad')
      add(
        'rules-out',
        `LACP times out a silent partner only after ${LACP_FAST_TIMEOUT_MS} ms (lacp_rate fast), over ${max} ms; the ARP monitor is not available`,
        DOCS.lacpRate,
        DOCS.lacpMii,
      );
    else
      add(
        'rules-out',
        ARP_MONITOR.has(mode)
          ? 'only the ARP monitor sees a failure while carrier stays up, and you cannot run it'
          : 'only the ARP monitor sees a failure while carrier stays up, and this mode cannot use it',
        DOCS.carrierStaysUp,
        ...(ARP_MONITOR.has(mode) ? [] : [DOCS.tlbNoArp]),
      );
  }

  if (mode === '802.3ad' && offers === 'lacp') {
    score += 3;
    add(
      'favours',
      'the standard for an LACP switch: negotiated aggregation, frames of one flow in order',
      DOCS.lacpGood,
    );
  }
  if (mode === 'active-backup' && !want.spreadTransmit && !want.spreadReceive && !want.singleFlowFaster) {
    score += 1;
    add(
      'favours',
      'the preferred mode when availability is what counts, and needs nothing of the switch',
      DOCS.abPreferred,
      DOCS.abNoSwitch,
    );
  }

  const outage = cell('outageLinkLossMs');
  if (outage)
    add('favours', `measured outage on a pulled cable: ${outage.value.toFixed(0)} ms (ties are broken by it)`, outage);
  const switchFailureViaArp = want.maxOutageSwitchFailureMs !== undefined && arpUsable;
  const onlyArp = !want.monitoring.includes('mii') && arpUsable;
  return {
    mode,
    reasons,
    options: options(mode, want, switchFailureViaArp || onlyArp, cell),
    score,
    outage: outage?.value ?? Number.POSITIVE_INFINITY,
  };
}

/** The driver options to set for a mode under these constraints, each with its reason. */
function options(
  mode: ModeName,
  want: Constraints,
  useArp: boolean,
  cell: (m: Measurement) => MeasuredCell | undefined,
): OptionAdvice[] {
  const out: OptionAdvice[] = [{ option: 'mode', value: mode, reason: 'the mode ranked here', evidence: [] }];
  if (useArp) {
    const max = want.maxOutageSwitchFailureMs;
    // A link is declared down after arp_missed_max (2) missed intervals, a backup one later: 3 intervals in all.
    const interval = max === undefined ? 200 : Math.max(10, Math.floor(max / 3));
    out.push(
      {
        option: 'arp_interval',
        value: String(interval),
        reason:
          max === undefined
            ? 'the ARP monitor, as MII cannot be run'
            : `a failure is seen after about 3 intervals: within ${max} ms`,
        evidence: [DOCS.arpMissedMax, DOCS.carrierStaysUp],
      },
      {
        option: 'arp_ip_target',
        value: '<an address beyond the switch that answers ARP>',
        reason: 'the target whose answers prove the whole path works; one per switch in a multiple switch topology',
        evidence: [DOCS.carrierStaysUp],
      },
      { option: 'miimon', value: '0', reason: 'not together with the ARP monitor', evidence: [DOCS.arpNotWithMii] },
    );
    if (mode === 'active-backup')
      out.push({
        option: 'arp_validate',
        value: 'all',
        reason: "only this bond's own ARP traffic keeps a link up",
        evidence: [DOCS.arpValidate],
      });
  } else {
    out.push(
      {
        option: 'miimon',
        value: '100',
        reason: 'link monitoring is needed for any failover; 100 ms bounds detection of a pulled cable',
        evidence: [DOCS.miimon, ...[cell('outageLinkLossMs')].filter((c): c is MeasuredCell => c !== undefined)],
      },
      {
        option: 'downdelay',
        value: '0',
        reason: 'any downdelay is added to every outage on link loss',
        evidence: [DOCS.delays, ...[cell('outageLinkLossMs')].filter((c): c is MeasuredCell => c !== undefined)],
      },
      {
        option: 'updelay',
        value: "the switch port's forwarding delay, as a multiple of miimon (0 if it forwards at once)",
        reason: 'a link that is up but not yet forwarding must not be used',
        evidence: [DOCS.delays, DOCS.linkDelays],
      },
    );
  }
  if (mode === 'balance-xor' || mode === '802.3ad') {
    out.push({
      option: 'xmit_hash_policy',
      value: 'layer3+4',
      reason: 'spreads flows to one peer by port; one flow stays on one link (the matrix measured with this policy)',
      evidence: [DOCS.hashL34, ...[cell('txSlaves')].filter((c): c is MeasuredCell => c !== undefined)],
    });
  }
  if (mode === '802.3ad') {
    const fast = want.maxOutageSwitchFailureMs !== undefined;
    out.push({
      option: 'lacp_rate',
      value: fast ? 'fast' : 'slow',
      reason: fast
        ? `a partner that stops answering is timed out within ${LACP_FAST_TIMEOUT_MS} ms`
        : 'the default; fast only if a silent partner must be detected within 3 s',
      evidence: [DOCS.lacpRate],
    });
  }
  if (mode === 'active-backup' || mode === 'balance-tlb' || mode === 'balance-alb') {
    out.push({
      option: 'primary',
      value: '<the preferred slave, if one link is better>',
      reason: 'keeps the better link in use whenever it is up',
      evidence: [DOCS.primary, DOCS.abPreferred],
    });
  }
  return out;
}
