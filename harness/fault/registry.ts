/**
 * Every fault kind, by the step key that names it in a scenario. A kind is one module of this
 * folder; the mapped type makes a kind without its definition (or a definition of the wrong kind)
 * a compile error.
 */
import { arpTargetLoss } from './arp-target-loss.js';
import { arpTargetRestore } from './arp-target-restore.js';
import { attach } from './attach.js';
import { carrierOff } from './carrier-off.js';
import { carrierOn } from './carrier-on.js';
import type { Fault } from '../scenario/plan.js';
import type { FaultDefinition } from './definition.js';
import { detach } from './detach.js';
import { flap } from './flap.js';
import { linkDown } from './link-down.js';
import { linkUp } from './link-up.js';

export type { Fault } from '../scenario/plan.js';
export type FaultKind = Fault['kind'];

export const FAULTS: { [K in FaultKind]: FaultDefinition<Extract<Fault, { kind: K }>> } = {
  detach,
  attach,
  'link-down': linkDown,
  'link-up': linkUp,
  'carrier-off': carrierOff,
  'carrier-on': carrierOn,
  flap,
  'arp-target-loss': arpTargetLoss,
  'arp-target-restore': arpTargetRestore,
};

/** A fault's definition, typed for that fault. */
export function faultDefinition<F extends Fault>(fault: F): FaultDefinition<F> {
  return FAULTS[fault.kind] as unknown as FaultDefinition<F>;
}

export function isFaultKind(key: string): key is FaultKind {
  return Object.hasOwn(FAULTS, key);
}
