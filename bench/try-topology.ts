import { VmTarget } from '../harness/vm/vm-target.js';
import { buildTopology, procBondingPath } from '../harness/topology/topology.js';
import { inflict } from '../harness/fault/faults.js';
import { run } from '../harness/target/target.js';
import { KernelLogCapture } from '../harness/target/kmsg.js';

const vm = await VmTarget.boot();
try {
  await run(vm, ['modprobe', 'bonding', 'max_bonds=0']);
  const log = await KernelLogCapture.start(vm);
  for (const [i, [mode, farSide]] of ([['active-backup', 'switch'], ['balance-rr', 'static-lag'], ['802.3ad', 'lacp']] as const).entries()) {
    const t0 = performance.now();
    const built = await buildTopology(vm, { runId: 'try1234', caseIndex: i, bond: { mode, options: { miimon: 100, arp_ip_target: [] } }, topology: { slaves: 2, farSide, clients: 2, arpTarget: true } });
    console.log(mode, 'built in', Math.round(performance.now() - t0), 'ms');
    await new Promise((r) => setTimeout(r, 1500));
    const snap = await vm.snapshot([procBondingPath(built.topology)]);
    console.log(snap.files[0]?.split('\n').filter((l) => /Mode|Active Slave|MII Status|Aggregator ID|Partner Mac/.test(l)).join(' | '));
    const ping = await vm.exec(['ping', '-c', '2', '-i', '0.2', '-W', '1', built.topology.clients[0]!.ipv4], { netns: built.topology.dut.netns });
    console.log('ping', ping.exitCode, ping.stdout.split('\n').at(-3));
    const f = await inflict(vm, built.topology, { kind: 'carrier-off', slave: { index: 0 } }, 'eth0');
    console.log('fault', f.detail, Number(f.endNs - f.startNs) / 1e6, 'ms');
    await new Promise((r) => setTimeout(r, 500));
    console.log(log.since(f.startNs).map((r) => r.text).join('\n'));
    const t1 = performance.now();
    await built.teardown();
    console.log('teardown', Math.round(performance.now() - t1), 'ms');
  }
  console.log((await vm.exec(['ip', 'netns', 'list'])).stdout || 'no netns left');
  await log.stop();
} finally {
  await vm.close();
}
