import { describe, expect, it } from 'vitest';
import type { ExecResult, Target } from '../target/target.js';
import { returnFromContainer, stopLentContainer } from './container-netns.js';
import { containerLabRefusal } from './container.js';
import type { Lab } from './lab.js';

const realLab: Lab = {
  file: 'lab.yaml',
  machine: { kind: 'local' },
  nics: [{ label: 'left', mac: '3c:fd:fe:a1:00:10' }],
  far: { kind: 'peer', nics: [{ label: 'peer-left', mac: '3c:fd:fe:a1:00:20' }] },
  traffic: 'far',
};
const emulatedLab: Lab = { ...realLab, file: 'emulated.yaml', emulated: [{ dut: 'e1000e', peer: 'virtio-net-pci' }] };

describe('a lab on the container target', () => {
  it('needs the NICs in the root namespace of the engine machine', () => {
    expect(containerLabRefusal(emulatedLab, 'vm')).toBeUndefined();
    expect(containerLabRefusal(realLab, 'docker', 'unix:///var/run/docker.sock')).toBeUndefined();
    expect(containerLabRefusal(emulatedLab, 'docker', 'unix:///var/run/docker.sock')).toMatch(
      /emulated\.yaml is emulated: its NICs exist only in a VM bondlab boots.*--engine vm/,
    );
    expect(containerLabRefusal(realLab, 'vm')).toMatch(/names real NICs; the engine VM of --engine vm has none/);
    expect(containerLabRefusal(realLab, 'docker', 'tcp://dockerhost:2376')).toMatch(
      /the Docker engine at tcp:\/\/dockerhost:2376 \(DOCKER_HOST\) is not on this machine/,
    );
  });
});

/** The engine machine as the give-back sees it: a container process (or none) with two links in its namespace. */
function engineMachine(containerAlive: boolean): Target & { commands: string[] } {
  const commands: string[] = [];
  const result = (argv: string[], exitCode: number, stdout = ''): ExecResult => ({
    argv,
    exitCode,
    signal: null,
    stdout,
    stderr: '',
    timedOut: false,
    durationMs: 1,
  });
  const links = [
    { ifindex: 1, ifname: 'lo', flags: [], mtu: 65536, address: '00:00:00:00:00:00' },
    // Enslaved once: its current MAC is the bond's, its permanent one names it.
    { ifindex: 7, ifname: 'eth3', flags: [], mtu: 1500, address: '02:00:00:00:00:01', permaddr: '3c:fd:fe:a1:00:10' },
    { ifindex: 8, ifname: 'eth9', flags: [], mtu: 1500, address: '3c:fd:fe:ff:00:99' },
  ];
  return {
    kind: 'host',
    description: 'engine machine (unit test)',
    commands,
    exec: async (argv) => {
      commands.push(argv.join(' '));
      if (argv[0] === 'grep') return result(argv, containerAlive ? 0 : 1);
      if (argv.includes('-j')) return result(argv, 0, JSON.stringify(links));
      return result(argv, 0);
    },
    spawn: () => Promise.reject(new Error('not used')),
    readFile: () => Promise.reject(new Error('not used')),
    writeFile: () => Promise.reject(new Error('not used')),
    snapshot: () => Promise.reject(new Error('not used')),
    clockNs: () => Promise.resolve(0n),
    close: () => Promise.resolve(),
  };
}

describe('lab NICs given back from a container', () => {
  const container = { id: 'f00dfeed'.repeat(8), pid: 4242 };

  it("moves only the lab's NICs (by permanent MAC) from the container's namespace to pid 1's", async () => {
    const machine = engineMachine(true);
    expect(await returnFromContainer(machine, container, ['3c:fd:fe:a1:00:10', '3c:fd:fe:a1:00:20'])).toEqual(['eth3']);
    expect(machine.commands).toEqual([
      `grep -q ${container.id} /proc/4242/cgroup`,
      'nsenter -t 4242 -n ip -j -d link show',
      'nsenter -t 4242 -n ip link set dev eth3 netns 1',
    ]);
  });

  it('does nothing to a pid that is no longer the container (gone, or reused by another process)', async () => {
    const machine = engineMachine(false);
    expect(await returnFromContainer(machine, container, ['3c:fd:fe:a1:00:10'])).toEqual([]);
    expect(await stopLentContainer(machine, container)).toBe(false);
    expect(machine.commands).toEqual([
      `grep -q ${container.id} /proc/4242/cgroup`,
      `grep -q ${container.id} /proc/4242/cgroup`,
    ]);
  });

  it('ends a container a killed run left running, through its own first process', async () => {
    const machine = engineMachine(true);
    expect(await stopLentContainer(machine, container)).toBe(true);
    expect(machine.commands.at(-1)).toBe('kill -KILL 4242');
  });
});
