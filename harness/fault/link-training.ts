/**
 * Faults on a lab's links wait for the NIC (harness/lab/carrier.ts): a pull is done when the DUT
 * NIC's driver saw the carrier go, a plug when the NIC has trained again; a veth waits for nothing.
 */
import { waitForCarrier } from '../lab/carrier.js';
import type { Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';

/** Faults after which the slave's link is back, so a lab NIC trains; a veth has carrier at once. */
const BRINGS_LINK_BACK = new Set(['carrier-on', 'link-up', 'attach']);

/**
 * On a lab, after a fault: note pulled cables in the lab session's record, and when the fault brought a slave's link back
 * (and its cable is plugged), wait until the DUT NIC has carrier again, so the scenario's next
 * step counts from a live link. After a cable pull, wait until the DUT NIC's driver has seen the
 * carrier go: e1000 notices a link change only at its next 2 s watchdog tick, e1000e and a veth
 * at once, and the bond can react only after that. What it waited, for the fault's detail (the
 * time per driver); undefined off a lab.
 */
export async function afterLabFault(
  target: Target,
  topology: Topology,
  kind: string,
  slave: string | undefined,
  issuedNs: bigint,
): Promise<string | undefined> {
  const links = topology.links;
  const index = slave === undefined ? -1 : topology.dut.slaves.indexOf(slave);
  if (!links || !slave || index < 0) return undefined;
  if (kind === 'carrier-off' || kind === 'carrier-on') links.pulled.note(index, kind === 'carrier-off');
  if (kind === 'carrier-off') {
    const shown = links.shown?.dut[index];
    await waitForCarrier(target, topology.dut.netns, { name: slave, shown: shown ?? slave }, true);
    return `link detection: ${slave}${shown ? ` ${shown}` : ''} saw its carrier lost within ${await msSince(target, issuedNs)} ms of the pull`;
  }
  if (!BRINGS_LINK_BACK.has(kind) || links.pulled.has(index)) return undefined;
  return await trainedAgain(target, topology, slave, issuedNs);
}

/** Milliseconds on the target's clock since `ns`: an upper bound on when what was waited for happened. */
async function msSince(target: Target, ns: bigint): Promise<number> {
  return Math.round(Number((await target.clockNs()) - ns) / 1e6);
}

/** Wait for a DUT slave's carrier; its link-training time in words. */
export async function trainedAgain(
  target: Target,
  topology: Topology,
  slave: string,
  pluggedNs: bigint,
): Promise<string> {
  const index = topology.dut.slaves.indexOf(slave);
  const shown = topology.links?.shown?.dut[index];
  await waitForCarrier(target, topology.dut.netns, { name: slave, shown: shown ?? slave });
  return `link training: ${slave}${shown ? ` ${shown}` : ''} had carrier again within ${await msSince(target, pluggedNs)} ms of the plug`;
}
