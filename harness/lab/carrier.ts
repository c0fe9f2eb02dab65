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
export function carrierError<E>(error: E): E | Error {
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
