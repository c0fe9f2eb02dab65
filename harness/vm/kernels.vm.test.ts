import { describe, expect, it } from 'vitest';
import { run } from '../target/target.js';
import { VmTarget } from './vm-target.js';

/** The VM target on every Debian suite: each boots, loads bonding, and shows a bond in /proc. */
describe.each([
  ['debian:bookworm', /^6\.1\./],
  ['debian:trixie', /^6\.12\./],
  ['debian:sid', /^7\./],
])('%s', (kernel, release) => {
  it('boots and builds a bond over two veth slaves', async () => {
    const vm = await VmTarget.boot({ kernel });
    try {
      expect(vm.kernel.release).toMatch(release);
      const demo = await run(vm, ['sh', 'fixtures/guest/bond-demo.sh'], { cwd: process.cwd() });
      expect(demo.stdout).toContain(`Ethernet Channel Bonding Driver: v${vm.kernel.release}`);
      expect(demo.stdout).toContain('Bonding Mode: load balancing (round-robin)');
      expect(demo.stdout.match(/^Slave Interface: eth[01]$/gm)).toHaveLength(2);
    } finally {
      await vm.close();
    }
  });
});
