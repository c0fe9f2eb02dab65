import { describe, expect, it } from 'vitest';
import { acceleratorFromProbe, kvmRefusal } from './accel.js';

// The decision only: this machine has no KVM, so a real KVM boot is not tested here.
describe('KVM or TCG', () => {
  it('tries KVM only with a usable /dev/kvm and a CPU that offers virtualisation', () => {
    expect(kvmRefusal({ device: 'usable', cpuVirtualisation: true })).toBeUndefined();
    expect(kvmRefusal({ device: 'missing', cpuVirtualisation: true })).toBe('/dev/kvm does not exist');
    expect(kvmRefusal({ device: 'no-access', cpuVirtualisation: true })).toMatch(/not readable and writable/);
    expect(kvmRefusal({ device: 'usable', cpuVirtualisation: false })).toMatch(/no vmx or svm/);
  });

  it('uses KVM when the test guest powered off, TCG with the reason otherwise', () => {
    expect(acceleratorFromProbe({ exitCode: 0, timedOut: false, stderr: '' }, 8000).accel).toBe('kvm');
    expect(acceleratorFromProbe({ exitCode: undefined, timedOut: true, stderr: '' }, 8000)).toEqual({
      accel: 'tcg',
      reason: 'a KVM guest did not finish booting within 8000 ms',
    });
    expect(
      acceleratorFromProbe({ exitCode: 1, timedOut: false, stderr: 'Could not access KVM kernel module\nmore' }, 8000),
    ).toEqual({ accel: 'tcg', reason: 'qemu with KVM failed: Could not access KVM kernel module' });
  });
});
