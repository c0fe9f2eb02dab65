/**
 * The distribution tools that bring a user's configuration up inside the VM (whose root is the
 * host's /, so they are the host's packages), for `bondlab doctor`.
 */
import { existsSync } from 'node:fs';
import type { Check } from '../cli/doctor.js';

const TOOLS: { name: string; paths: string[]; fix: string }[] = [
  { name: 'ifupdown (config apply)', paths: ['/usr/sbin/ifup', '/sbin/ifup'], fix: 'apt-get install ifupdown' },
  { name: 'ifenslave scripts (config apply)', paths: ['/etc/network/if-pre-up.d/ifenslave'], fix: 'apt-get install ifenslave' },
];

export function configToolChecks(): Check[] {
  return TOOLS.map(({ name, paths, fix }) => {
    const found = paths.find((path) => existsSync(path));
    return found ? { name, ok: true, detail: found } : { name, ok: false, detail: 'not installed', fix };
  });
}
