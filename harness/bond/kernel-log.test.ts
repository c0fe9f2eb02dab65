import { describe, expect, it } from 'vitest';
import { parseKernelLog, recogniseBondingLine } from './kernel-log.js';

/** The same events as three driver generations printed them. */
const STYLES = {
  old: {
    enslave: 'bonding: bond0: enslaving eth0 as an active interface with an up link.',
    releaseActive: 'bonding: bond0: releasing active interface eth0',
    releaseBackup: 'bonding: bond0: releasing backup interface eth1',
    newActive: 'bonding: bond0: making interface eth1 the new active one 0 ms earlier.',
    linkDown: 'bonding: bond0: link status definitely down for interface eth0, disabling it',
    linkUp: 'bonding: bond0: link status definitely up for interface eth0, 1000 Mbps full duplex.',
    pendingDown: 'bonding: bond0: link status down for interface eth0, disabling it in 200 ms.',
    pendingUp: 'bonding: bond0: link status up for interface eth0, enabling it in 400 ms.',
    noActive: 'bonding: bond0: now running without any active interface !',
    activeUp: 'bonding: bond0: first active interface up!',
  },
  mid: {
    enslave: 'bond0: Enslaving eth0 as an active interface with an up link',
    releaseActive: 'bond0: Releasing active interface eth0',
    releaseBackup: 'bond0: Releasing backup interface eth1',
    newActive: 'bond0: making interface eth1 the new active one 0 ms earlier',
    linkDown: 'bond0: link status definitely down for interface eth0, disabling it',
    linkUp: 'bond0: link status definitely up for interface eth0, 10000 Mbps full duplex',
    pendingDown: 'bond0: link status down for interface eth0, disabling it in 200 ms',
    pendingUp: 'bond0: link status up for interface eth0, enabling it in 400 ms',
    noActive: 'bond0: now running without any active interface!',
    activeUp: 'bond0: active interface up!',
  },
  new: {
    enslave: 'bond0: (slave eth0): Enslaving as an active interface with an up link',
    releaseActive: 'bond0: (slave eth0): Releasing active interface',
    releaseBackup: 'bond0: (slave eth1): Releasing backup interface',
    newActive: 'bond0: (slave eth1): making interface the new active one',
    linkDown: 'bond0: (slave eth0): link status definitely down, disabling slave',
    linkUp: 'bond0: (slave eth0): link status definitely up, 10000 Mbps full duplex',
    pendingDown: 'bond0: (slave eth0): link status down for interface, disabling it in 200 ms',
    pendingUp: 'bond0: (slave eth0): link status up, enabling it in 400 ms',
    noActive: 'bond0: now running without any active interface!',
    activeUp: 'bond0: active interface up!',
  },
};

describe('bonding kernel messages in all three styles', () => {
  for (const [style, lines] of Object.entries(STYLES)) {
    it(`recognises the ${style} style`, () => {
      const ev = (line: string) => recogniseBondingLine(line);
      expect(ev(lines.enslave)).toMatchObject({
        kind: 'enslave',
        bond: 'bond0',
        slave: 'eth0',
        details: { role: 'active' },
      });
      expect(ev(lines.releaseActive)).toMatchObject({ kind: 'release', slave: 'eth0', details: { role: 'active' } });
      expect(ev(lines.releaseBackup)).toMatchObject({ kind: 'release', slave: 'eth1', details: { role: 'backup' } });
      expect(ev(lines.newActive)).toMatchObject({ kind: 'new-active-slave', slave: 'eth1' });
      expect(ev(lines.linkDown)).toMatchObject({ kind: 'link-down', slave: 'eth0' });
      expect(ev(lines.linkUp)).toMatchObject({ kind: 'link-up', slave: 'eth0' });
      expect(ev(lines.pendingDown)).toMatchObject({ kind: 'pending-down', slave: 'eth0', details: { delayMs: 200 } });
      expect(ev(lines.pendingUp)).toMatchObject({ kind: 'pending-up', slave: 'eth0', details: { delayMs: 400 } });
      expect(ev(lines.noActive)).toMatchObject({ kind: 'no-active', bond: 'bond0' });
      expect(ev(lines.activeUp)).toMatchObject({ kind: 'active-up', bond: 'bond0' });
    });
  }

  it('reads the pending down of an active interface (6.x)', () => {
    expect(
      recogniseBondingLine('bond0: (slave eth0): link status down for active interface, disabling it in 400 ms'),
    ).toMatchObject({ kind: 'pending-down', slave: 'eth0', details: { delayMs: 400 } });
  });

  it('reads the "ms earlier" of old drivers and link speeds', () => {
    expect(recogniseBondingLine(STYLES.old.newActive)?.details).toEqual({ msEarlier: 0 });
    expect(recogniseBondingLine(STYLES.mid.linkUp)?.details).toEqual({ speedMbps: 10000, duplex: 'full' });
  });

  it('takes the time from dmesg and /dev/kmsg prefixes', () => {
    expect(recogniseBondingLine('[   12.345678] bond0: (slave eth0): Releasing backup interface')?.timeUs).toBe(
      12_345_678,
    );
    expect(
      recogniseBondingLine('6,1234,10389972,-;bond0: (slave eth0): link status definitely down, disabling slave'),
    ).toMatchObject({ timeUs: 10_389_972, kind: 'link-down' });
  });

  it('keeps unknown bonding lines as other and ignores other drivers', () => {
    const events = parseKernelLog(
      'bond0: (slave eth0): the permanent HWaddr of slave is in use\r\nbr0: port 1(p0) entered disabled state\ne1000e: eth0 NIC Link is Up\n',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'other', bond: 'bond0', slave: 'eth0' });
  });
});
