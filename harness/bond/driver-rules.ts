/**
 * What the bonding driver refuses, as rules on a planned bond: the loader reports each as an input
 * error before anything is built.
 */
import { OPTION_MODES, type FarSide, type ModeName } from './vocabulary.js';

/** Options the bond sets that its mode does not take, with the modes that do. */
export function refusedOptions(
  mode: ModeName,
  options: Record<string, unknown>,
): { option: string; modes: readonly ModeName[] }[] {
  return Object.entries(OPTION_MODES).flatMap(([option, modes]) => {
    const value = options[option];
    // arp_interval 0 is the driver's "off", which every mode takes.
    if (value === undefined || (option === 'arp_interval' && Number(value) === 0) || modes.includes(mode)) return [];
    return [{ option, modes }];
  });
}

/** Whether a far side can carry a mode: 802.3ad needs an LACP partner, and an LACP partner needs 802.3ad. */
export function farSideFits(mode: ModeName, farSide: FarSide): boolean {
  return (farSide === 'lacp') === (mode === '802.3ad');
}
