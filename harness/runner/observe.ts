/**
 * Observing the bond during a case: one snapshot of its /proc file read through the DUT
 * namespace's holder process (no program started on the target), parsed into the shared status.
 */
import { recogniseBondingLine } from '../bond/kernel-log.js';
import { parseProcBonding } from '../bond/proc.js';
import type { BondSnapshot } from '../bond/status.js';
import type { Target } from '../target/target.js';
import type { KernelLogCapture } from '../target/kmsg.js';
import type { KernelEvent, SampleEvent } from '../timeline/events.js';
import { procBondingPath, type Topology } from '../topology/topology.js';

export async function readBondSnapshot(target: Target, topology: Topology): Promise<BondSnapshot> {
  const path = procBondingPath(topology);
  const snapshot = await target.snapshot([path]);
  const text = snapshot.files[0];
  if (text === null || text === undefined) throw new Error(`cannot read ${path}: the bond is gone`);
  return { atNs: snapshot.clockNs, readNs: snapshot.readNs, status: parseProcBonding(text).status, procText: text };
}

export function sampleOf(state: BondSnapshot): SampleEvent {
  return {
    kind: 'sample',
    atNs: state.atNs,
    ...(state.readNs !== undefined && state.readNs !== state.atNs ? { readNs: state.readNs } : {}),
    activeSlave: state.status.activeSlave ?? null,
    bondMii: state.status.miiStatus ?? 'unknown',
    slaves: state.status.slaves.map((s) => ({ name: s.name, mii: s.miiStatus, linkFailures: s.linkFailureCount ?? 0 })),
  };
}

/** Bonding events from the kernel log since a time, on the same clock as the timeline. */
export function kernelEvents(capture: KernelLogCapture, sinceNs: bigint): KernelEvent[] {
  const events: KernelEvent[] = [];
  for (const record of capture.since(sinceNs)) {
    const event = recogniseBondingLine(record.text);
    if (!event) continue;
    events.push({
      kind: 'kernel',
      atNs: BigInt(record.usec) * 1000n,
      event: event.kind,
      bond: event.bond,
      slave: event.slave,
      text: record.text,
    });
  }
  return events;
}
