/**
 * Link training on lab NICs. A real (or emulated) NIC needs 1-3 s of autonegotiation after it is
 * opened or its cable is plugged; a veth has carrier at once. So that training never decides a
 * verdict, a lab case starts only when every lab NIC it uses has carrier, and a cable plugged back
 * is done only when the DUT NIC has carrier again; the time each NIC took is reported.
 */
import { CommandFailedError, run, type Target } from '../target/target.js';

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

/** Shell that sets `u` to /proc/uptime in centiseconds, without a fork. */
const NOW = 'read u _ </proc/uptime; u=${u%.*}${u#*.}; u=${u#0}';

/** Shell that polls a sysfs file while `waiting` (a test on its value `$c`) holds; after `timeoutMs` it fails with `failure`. */
function pollScript(file: string, waiting: string, timeoutMs: number, failure: string): string[] {
  return [
    `while c=0; read c 2>/dev/null <${file} || true; ${waiting}; do`,
    `  ${NOW}; if [ $(((u - s) * 10)) -ge ${timeoutMs} ]; then echo "${failure}" >&2; exit 1; fi`,
    '  sleep 0.02',
    'done',
  ];
}

/**
 * A POSIX shell snippet, run in the NICs' namespace, that waits until each NIC has carrier and
 * prints `bondlab-carrier NAME MS`; after `timeoutMs` it fails naming the NIC. Builtins only
 * (read, arithmetic) besides sleep: under TCG each program start costs tens of milliseconds.
 */
export function carrierWaitScript(nics: CarrierNic[], timeoutMs = CARRIER_TIMEOUT_MS, lost = false): string {
  if (!nics.length) return 'true';
  return [
    `${NOW}; s=$u`,
    ...nics.flatMap(({ name, shown }) => [
      ...pollScript(
        `/sys/class/net/${name}/carrier`,
        `[ "$c" ${lost ? '=' : '!='} 1 ]`,
        timeoutMs,
        `the lab NIC ${shown} ${lost ? 'still has carrier' : 'has no carrier'} after ${timeoutMs / 1000} s (${lost ? 'did its cable pull reach it?' : 'is its cable or far side up?'})`,
      ),
      `${NOW}; echo "${MARK} ${name} $(((u - s) * 10))"`,
    ]),
  ].join('\n');
}

/**
 * A POSIX shell snippet, run in the bond's namespace, that waits until the bond's link monitor has
 * the enslaved lab NIC up (its MII status, whichever monitor sets it), so that it is the bond's
 * choice before any other slave joins. After `timeoutMs` it fails naming the NIC.
 */
export function slaveUpWaitScript(nic: CarrierNic, timeoutMs = CARRIER_TIMEOUT_MS): string {
  return [
    `${NOW}; s=$u`,
    ...pollScript(
      `/sys/class/net/${nic.name}/bonding_slave/mii_status`,
      '[ "$c" != up ]',
      timeoutMs,
      `the lab NIC ${nic.shown} has carrier but the bond did not see it up after ${timeoutMs / 1000} s (does its link monitor, miimon or arp_interval with a reachable target, run?)`,
    ),
  ].join('\n');
}

/** A failed carrier wait as its own one-line error (not the whole build script's command line); else the error as it was. */
export function carrierError<E>(error: E): E | Error {
  const line =
    error instanceof CommandFailedError
      ? /^the lab NIC .* (has no carrier|still has carrier|did not see it up) after .*$/m.exec(error.result.stderr)?.[0]
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
