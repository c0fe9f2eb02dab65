/**
 * Link training on lab NICs. A real (or emulated) NIC needs 1-3 s of autonegotiation after it is
 * opened or its cable is plugged; a veth has carrier at once. So that training never decides a
 * verdict, a lab case starts only when every lab NIC it uses has carrier, and a cable plugged back
 * is done only when the DUT NIC has carrier again; the time each NIC took is reported.
 */
import { CommandFailedError, run, type Target } from '../target/target.js';
import type { Topology } from '../topology/topology.js';

/** How long a lab NIC may take to train before the run gives up on it. */
export const CARRIER_TIMEOUT_MS = 10_000;

/** One NIC to wait for: its name in the namespace the wait runs in, and how reports name it. */
export interface CarrierNic {
  name: string;
  shown: string;
}

export interface CarrierWait {
  nic: string;
  /** From the start of the wait until the NIC had carrier, on the target's clock (10 ms steps). */
  ms: number;
}

const MARK = 'bondlab-carrier';

/**
 * A POSIX shell snippet, run in the NICs' namespace, that waits until each NIC has carrier and
 * prints `bondlab-carrier NAME MS`; after `timeoutMs` it fails naming the NIC. Builtins only
 * (read, arithmetic) besides sleep: under TCG each program start costs tens of milliseconds.
 */
export function carrierWaitScript(nics: CarrierNic[], timeoutMs = CARRIER_TIMEOUT_MS, lost = false): string {
  if (!nics.length) return 'true';
  // /proc/uptime in centiseconds, without a fork.
  const now = 'read u _ </proc/uptime; u=${u%.*}${u#*.}; u=${u#0}';
  return [
    `${now}; s=$u`,
    ...nics.map(({ name, shown }) =>
      [
        `while c=0; read c 2>/dev/null </sys/class/net/${name}/carrier || true; [ "$c" ${lost ? '=' : '!='} 1 ]; do`,
        `  ${now}; if [ $(((u - s) * 10)) -ge ${timeoutMs} ]; then echo "the lab NIC ${shown} ${lost ? 'still has carrier' : 'has no carrier'} after ${timeoutMs / 1000} s (${lost ? 'did its cable pull reach it?' : 'is its cable or far side up?'})" >&2; exit 1; fi`,
        '  sleep 0.02',
        'done',
        `${now}; echo "${MARK} ${name} $(((u - s) * 10))"`,
      ].join('\n'),
    ),
  ].join('\n');
}

/** A failed carrier wait as its own one-line error (not the whole build script's command line); else the error as it was. */
export function carrierError(error: unknown): unknown {
  const line =
    error instanceof CommandFailedError
      ? /^the lab NIC .* (has no carrier|still has carrier) after .*$/m.exec(error.result.stderr)?.[0]
      : undefined;
  return line ? new Error(line) : error;
}

/** The waits a carrierWaitScript printed. */
export function parseCarrierWaits(stdout: string): CarrierWait[] {
  return stdout.split('\n').flatMap((line) => {
    const match = new RegExp(`^${MARK} (\\S+) (\\d+)$`).exec(line.trim());
    return match?.[1] && match[2] ? [{ nic: match[1], ms: Number(match[2]) }] : [];
  });
}

/** Wait until one NIC in `netns` has carrier (or, `lost`, has none); the milliseconds it took. */
export async function waitForCarrier(target: Target, netns: string, nic: CarrierNic, lost = false): Promise<number> {
  const script = carrierWaitScript([nic], CARRIER_TIMEOUT_MS, lost);
  const result = await run(target, ['ip', 'netns', 'exec', netns, 'sh', '-c', script]).catch((error: unknown) => {
    throw carrierError(error);
  });
  return parseCarrierWaits(result.stdout)[0]?.ms ?? 0;
}

/** The cables a case's faults left pulled, per lab topology: a NIC behind one gets no carrier to wait for. */
const pulled = new WeakMap<object, Set<number>>();

export function notePulled(links: object, index: number, isPulled: boolean): void {
  const set = pulled.get(links) ?? new Set<number>();
  if (isPulled) set.add(index);
  else set.delete(index);
  pulled.set(links, set);
}

export function isPulled(links: object, index: number): boolean {
  return pulled.get(links)?.has(index) ?? false;
}

/** Faults after which the slave's link is back, so a lab NIC trains; a veth has carrier at once. */
const BRINGS_LINK_BACK = new Set(['carrier-on', 'link-up', 'attach']);

/**
 * On a lab, after a fault: remember pulled cables, and when the fault brought a slave's link back
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
  if (kind === 'carrier-off' || kind === 'carrier-on') notePulled(links, index, kind === 'carrier-off');
  if (kind === 'carrier-off') {
    const shown = links.shown?.dut[index];
    await waitForCarrier(target, topology.dut.netns, { name: slave, shown: shown ?? slave }, true);
    return `link detection: ${slave}${shown ? ` ${shown}` : ''} saw its carrier lost within ${await msSince(target, issuedNs)} ms of the pull`;
  }
  if (!BRINGS_LINK_BACK.has(kind) || isPulled(links, index)) return undefined;
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
