import { describe, expect, it } from 'vitest';
import { emulatedLayout, emulatedNicArgs } from './emulated-nics.js';

describe('the emulated NIC lab as qemu arguments', () => {
  it('gives virtio-net a speed and full duplex (802.3ad ports take part in LACP only at full duplex), the others none', () => {
    const devices = emulatedNicArgs(
      emulatedLayout([
        { dut: 'e1000e', peer: 'virtio-net-pci' },
        { dut: 'e1000', peer: 'e1000' },
      ]),
    ).filter((_, i, args) => args[i - 1] === '-device');
    expect(devices).toEqual([
      'e1000e,netdev=c0a,mac=52:54:00:b1:00:00,id=dut0,romfile=',
      'virtio-net-pci,netdev=c0b,mac=52:54:00:b1:01:00,id=peer0,romfile=,speed=1000,duplex=full',
      'e1000,netdev=c1a,mac=52:54:00:b1:00:01,id=dut1,romfile=',
      'e1000,netdev=c1b,mac=52:54:00:b1:01:01,id=peer1,romfile=',
      'virtio-net-pci,netdev=mgmt,mac=52:54:00:b1:ff:00,id=mgmt0,romfile=,speed=1000,duplex=full',
    ]);
  });
});
