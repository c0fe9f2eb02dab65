import { constants, existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { execa } from 'execa';

export type Accelerator = 'kvm' | 'tcg';

export interface AccelProbe {
  accel: Accelerator;
  /** Why KVM is or is not used, for doctor and for reports. */
  reason: string;
}

export const QEMU = 'qemu-system-x86_64';
/** A firmware that hands over to -kernel in milliseconds, where SeaBIOS takes most of a second under TCG. */
export const QBOOT = '/usr/share/qemu/qboot.rom';

/** What the machine says about KVM, gathered by kvmPrerequisites; kept apart so the decision is testable. */
export interface KvmFacts {
  device: 'missing' | 'no-access' | 'usable';
  /** /proc/cpuinfo's flags line names vmx or svm. */
  cpuVirtualisation: boolean;
}

/** Why KVM cannot be tried on these facts, or undefined when a test boot under KVM is worth it. */
export function kvmRefusal(facts: KvmFacts): string | undefined {
  if (facts.device === 'missing') return '/dev/kvm does not exist';
  if (facts.device === 'no-access') return '/dev/kvm is not readable and writable by this user';
  if (!facts.cpuVirtualisation) return 'the CPU exposes no vmx or svm flag';
  return undefined;
}

/** What the test boot under KVM says: a guest that powered off cleanly means KVM works. */
export function acceleratorFromProbe(
  result: { exitCode?: number; timedOut: boolean; stderr: string },
  timeoutMs: number,
): AccelProbe {
  if (result.exitCode === 0) return { accel: 'kvm', reason: 'a KVM guest booted and powered off' };
  return {
    accel: 'tcg',
    reason: result.timedOut
      ? `a KVM guest did not finish booting within ${timeoutMs} ms`
      : `qemu with KVM failed: ${result.stderr.trim().split('\n')[0] ?? ''}`,
  };
}

/** The cheap checks: /dev/kvm usable by us and a CPU that offers virtualisation to it. */
export async function kvmPrerequisites(): Promise<string | undefined> {
  let device: KvmFacts['device'] = 'usable';
  if (!existsSync('/dev/kvm')) device = 'missing';
  else await access('/dev/kvm', constants.R_OK | constants.W_OK).catch(() => (device = 'no-access'));
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return kvmRefusal({ device, cpuVirtualisation: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo) });
}

let cached: Promise<AccelProbe> | undefined;

/**
 * KVM when it really works: /dev/kvm can exist while a guest under it never gets past firmware,
 * so the probe boots the kernel into an init that powers off at once, with a short timeout.
 */
export function probeAccelerator(vmlinuz: string, initramfs: string, timeoutMs = 8000): Promise<AccelProbe> {
  if (process.env.BONDLAB_ACCEL === 'tcg') return Promise.resolve({ accel: 'tcg', reason: 'BONDLAB_ACCEL=tcg' });
  cached ??= (async (): Promise<AccelProbe> => {
    const missing = await kvmPrerequisites();
    if (missing) return { accel: 'tcg', reason: missing };
    const result = await execa(
      QEMU,
      [
        '-machine',
        'q35,accel=kvm',
        '-cpu',
        'host',
        '-m',
        '256',
        '-nodefaults',
        '-display',
        'none',
        '-no-reboot',
        '-kernel',
        vmlinuz,
        '-initrd',
        initramfs,
        '-append',
        'console=ttyS0 quiet panic=-1 rdinit=/probe',
        '-serial',
        'null',
      ],
      { reject: false, timeout: timeoutMs, killSignal: 'SIGKILL' },
    );
    return acceleratorFromProbe(result, timeoutMs);
  })();
  return cached;
}
