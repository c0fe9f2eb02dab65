/**
 * A lab: the machine under test, its test NICs (by permanent MAC or PCI address, never by name
 * or current MAC: enslaved ports take the bond's MAC), what they are cabled to, and where the
 * traffic peer lives. Either real NICs, or `emulated:` cables the VM target creates.
 */
import type { FarSide } from '../scenario/plan.js';
import { NIC_MODELS, type EmulatedCable, type NicModel } from '../vm/emulated-nics.js';

/** A NIC as the lab names it. */
export interface NicRef {
  label: string;
  /** The permanent MAC (ethtool -P), lower case. */
  mac?: string;
  /** The PCI address, `0000:03:00.0`. */
  pci?: string;
  /** Managed by NetworkManager: mark it unmanaged for the run and give it back (refused otherwise). */
  release?: boolean;
}

export type LagMode = 'none' | 'static' | 'lacp';

export interface SwitchSide {
  kind: 'switch';
  /** The switch port each cable ends in, in the order of the lab's NICs. */
  ports: string[];
  /** LAG mode per group of ports; ports in no group are plain ports. */
  groups: { ports: string[]; lag: LagMode }[];
  /** Commands (run on the machine bondlab runs on) that shut and re-open a port; `{port}` is replaced. */
  shut: string;
  noShut: string;
  /** A NIC of the machine under test on a plain switch port in the bond's network: the clients reach the bond through it. */
  uplink?: NicRef;
}

export interface PeerSide {
  kind: 'peer';
  /** The peer's NICs, cable by cable (nics[i] is cabled to the lab's nics[i]). */
  nics: NicRef[];
}

export interface Lab {
  file: string;
  /** `local`: the machine bondlab runs on (or the VM it boots); `ssh`: a machine reached over SSH. */
  machine: { kind: 'local' } | { kind: 'ssh'; destination: string };
  /** The machine under test's test NICs, cable by cable: slave N is nics[N]. */
  nics: NicRef[];
  far: SwitchSide | PeerSide;
  /** Where the traffic peer (the clients) lives: behind the far side's namespace, or nowhere. */
  traffic: 'far' | 'none';
  /** Cables the VM target creates; the NICs and the peer are then those emulated NICs. */
  emulated?: EmulatedCable[];
}

export const NIC_MODEL_NAMES = Object.keys(NIC_MODELS) as NicModel[];

/** What far side a scenario needs, against what the lab has: the reason it cannot run, or undefined. */
export function farSideRefusal(lab: Lab, needed: FarSide, slaves: number): string | undefined {
  if (slaves > lab.nics.length)
    return `the scenario needs ${slaves} slaves; the lab ${lab.file} has ${lab.nics.length} test NIC(s)`;
  if (lab.traffic === 'none') return `the lab ${lab.file} has no traffic peer (traffic: none); scenarios need one`;
  if (lab.far.kind === 'peer') return undefined;
  const far = lab.far;
  const ports = far.ports.slice(0, slaves);
  const group = far.groups.find((g) => ports.every((p) => g.ports.includes(p)));
  const have: LagMode = group?.lag ?? 'none';
  const want: LagMode = needed === 'lacp' ? 'lacp' : needed === 'static-lag' ? 'static' : 'none';
  if (have !== want)
    return `the scenario needs a far side of ${needed}; the switch ports ${ports.join(', ')} of ${lab.file} are ${group ? `a ${have} LAG` : 'plain ports'}`;
  return undefined;
}
