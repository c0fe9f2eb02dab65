/**
 * Emulated PCI NICs for the NIC lab: each cable is a QEMU hub with exactly two ports, one NIC of
 * the machine under test on one port and one peer NIC on the other. Option ROMs are left out (romfile=): no PXE
 * code runs at boot. A two-port hub has no host
 * socket or tap behind it, so nothing outside the guest can reach the cable. A management NIC on
 * a hub of its own stands for the NIC a real machine is reached through; a lab never lists it.
 */

/**
 * QEMU device models the lab offers, and the Debian kernel module that drives each. Quirks of
 * QEMU 7.2's models (README, the lab section): e1000e writes the checksum it computes into the
 * guest's transmit buffer, so in a broadcast bond a slave after it sends its copy with a wrong one;
 * e1000's driver sees a pulled cable only at its next 2 s watchdog tick.
 */
export const NIC_MODELS = {
  e1000e: 'e1000e',
  e1000: 'e1000',
  'virtio-net-pci': 'virtio_net',
} as const;

export type NicModel = keyof typeof NIC_MODELS;

/**
 * Device properties beyond the MAC, on DUT and peer NICs alike. virtio-net reports no speed or
 * duplex unless QEMU gives it one, and 802.3ad lets only full-duplex ports take part in LACP (bond_3ad.c,
 * ad_update_actor_keys): a virtio-net partner would then send no LACPDUs and put each port in an
 * aggregator of its own. e1000 and e1000e report 1000 Mb/s full duplex by themselves.
 */
const MODEL_PROPERTIES: Record<NicModel, string> = {
  e1000e: '',
  e1000: '',
  'virtio-net-pci': ',speed=1000,duplex=full',
};

export interface EmulatedCable {
  /** The NIC of the machine under test. */
  dut: NicModel;
  /** The NIC at the far end of the cable. */
  peer: NicModel;
}

/** One emulated NIC as QEMU and the guest know it. */
export interface EmulatedNic {
  /** The QEMU device id: QMP `set_link` takes it. */
  deviceId: string;
  model: NicModel;
  /** The permanent MAC (the NIC's EEPROM address in the guest). */
  mac: string;
}

export interface EmulatedLabLayout {
  cables: { dut: EmulatedNic; peer: EmulatedNic }[];
  management: EmulatedNic;
}

/** Hub ids start high so they cannot meet another netdev's hub. */
const HUB_BASE = 4200;

/** Fixed MACs in QEMU's own 52:54:00 block: the lab file can name the NICs by them. */
export function emulatedLayout(cables: EmulatedCable[]): EmulatedLabLayout {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return {
    cables: cables.map((cable, i) => ({
      dut: { deviceId: `dut${i}`, model: cable.dut, mac: `52:54:00:b1:00:${hex(i)}` },
      peer: { deviceId: `peer${i}`, model: cable.peer, mac: `52:54:00:b1:01:${hex(i)}` },
    })),
    management: { deviceId: 'mgmt0', model: 'virtio-net-pci', mac: '52:54:00:b1:ff:00' },
  };
}

/** The qemu arguments: one two-port hub per cable, and the management NIC on a hub of its own. */
export function emulatedNicArgs(layout: EmulatedLabLayout): string[] {
  const args: string[] = [];
  const nic = (hub: number, port: string, device: EmulatedNic) => {
    args.push(
      '-netdev',
      `hubport,id=${port},hubid=${hub}`,
      '-device',
      `${device.model},netdev=${port},mac=${device.mac},id=${device.deviceId},romfile=${MODEL_PROPERTIES[device.model]}`,
    );
  };
  layout.cables.forEach((cable, i) => {
    nic(HUB_BASE + i, `c${i}a`, cable.dut);
    nic(HUB_BASE + i, `c${i}b`, cable.peer);
  });
  nic(HUB_BASE + layout.cables.length, 'mgmt', layout.management);
  return args;
}

/** The kernel modules the guest loads for the layout (there is no udev to load them). */
export function emulatedNicModules(layout: EmulatedLabLayout): string[] {
  const models = [layout.management, ...layout.cables.flatMap((c) => [c.dut, c.peer])].map(
    (nic) => NIC_MODELS[nic.model],
  );
  return [...new Set(models)];
}
