/**
 * Faults: the ways links fail, done the ways users and cables do it. Each fault is one command
 * on the target, timed on the target's clock, and returned as a timeline event.
 */
import type { Fault } from '../scenario/plan.js';
import { run, type Target } from '../target/target.js';
import type { FaultEvent } from '../timeline/events.js';
import { BOND, type Topology } from '../topology/topology.js';

function slaveIndex(topology: Topology, slave: string): number {
  const index = topology.dut.slaves.indexOf(slave);
  if (index < 0) throw new Error(`${slave} is not a slave of this topology`);
  return index;
}

/**
 * `ifenslave` as the target has it. Debian's ifenslave 2.x ships no binary, only ifupdown hooks
 * that write the bond's sysfs `slaves` file; where no binary exists, bondlab does what those
 * hooks do, and the event says so.
 */
function ifenslave(netns: string, args: string, sysfsWrite: string): { argv: string[]; detail: string } {
  const script = `if command -v ifenslave >/dev/null; then ifenslave ${args}; else echo ${sysfsWrite} > /sys/class/net/${BOND}/bonding/slaves; echo via-sysfs; fi`;
  return { argv: ['ip', 'netns', 'exec', netns, 'sh', '-c', script], detail: `ifenslave ${args}` };
}

/** A lab's own cable pull (the hypervisor's, for emulated NICs), timed like a command. */
async function pullCable(target: Target, setCarrier: (index: number, up: boolean) => Promise<string>, index: number, up: boolean, slave: string): Promise<FaultEvent> {
  const startNs = await target.clockNs();
  const detail = await setCarrier(index, up);
  const endNs = await target.clockNs();
  return { kind: 'fault', fault: up ? 'carrier-on' : 'carrier-off', slave, detail: `${detail} (carrier ${up ? 'back on' : 'lost on'} ${slave})`, startNs, endNs };
}

/** The commands that inflict a fault; `slave` is already resolved to a DUT interface name. */
export function faultCommands(topology: Topology, fault: Fault, slave: string | undefined): { argv: string[]; detail: string }[] {
  const dut = topology.dut.netns;
  const sysfs = `/sys/class/net/${BOND}/bonding/slaves`;
  const need = (): string => {
    if (!slave) throw new Error(`${fault.kind} needs a slave`);
    return slave;
  };
  const farPort = () => topology.far.ports[slaveIndex(topology, need())] ?? '';
  switch (fault.kind) {
    case 'detach':
      switch (fault.method) {
        case 'ip':
          return [{ argv: ['ip', '-n', dut, 'link', 'set', need(), 'nomaster'], detail: `ip link set ${need()} nomaster` }];
        case 'sysfs':
          return [{ argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `echo -${need()} > ${sysfs}`], detail: `echo -${need()} > ${sysfs}` }];
        case 'ifenslave':
          return [ifenslave(dut, `-d ${BOND} ${need()}`, `-${need()}`)];
      }
      break;
    case 'attach':
      switch (fault.method) {
        case 'ip':
          return [{ argv: ['ip', '-n', dut, 'link', 'set', need(), 'master', BOND], detail: `ip link set ${need()} master ${BOND}` }];
        case 'sysfs':
          return [{ argv: ['ip', 'netns', 'exec', dut, 'sh', '-c', `ip link set ${need()} down; echo +${need()} > ${sysfs}`], detail: `echo +${need()} > ${sysfs}` }];
        case 'ifenslave':
          return [ifenslave(dut, `${BOND} ${need()}`, `+${need()}`)];
      }
      break;
    case 'link-down':
      return [{ argv: ['ip', '-n', dut, 'link', 'set', need(), 'down'], detail: `ip link set ${need()} down` }];
    case 'link-up':
      return [{ argv: ['ip', '-n', dut, 'link', 'set', need(), 'up'], detail: `ip link set ${need()} up` }];
    case 'carrier-off':
      // A veth loses carrier when its peer goes down: the far end of the cable is pulled.
      return [{ argv: ['ip', '-n', topology.far.netns, 'link', 'set', farPort(), 'down'], detail: `far side ${farPort()} down (carrier lost on ${need()})` }];
    case 'carrier-on':
      return [{ argv: ['ip', '-n', topology.far.netns, 'link', 'set', farPort(), 'up'], detail: `far side ${farPort()} up (carrier back on ${need()})` }];
    case 'flap': {
      const port = farPort();
      const pause = (fault.intervalMs / 1000).toFixed(3);
      const loop = `for i in $(seq ${fault.count}); do ip link set ${port} down; sleep ${pause}; ip link set ${port} up; sleep ${pause}; done`;
      return [{ argv: ['ip', 'netns', 'exec', topology.far.netns, 'sh', '-c', loop], detail: `flap ${need()} ${fault.count}x every ${fault.intervalMs} ms` }];
    }
    case 'arp-target-loss': {
      const host = topology.arpTarget;
      if (!host) throw new Error('arp-target-loss: this topology has no ARP target');
      return fault.how === 'remove-address'
        ? [{ argv: ['ip', '-n', host.netns, 'addr', 'del', `${host.ipv4}/24`, 'dev', host.iface], detail: `ARP target ${host.ipv4} removed` }]
        : [
            {
              argv: ['sh', '-c', `tc -n ${host.netns} qdisc add dev ${host.iface} clsact && tc -n ${host.netns} filter add dev ${host.iface} ingress matchall action drop`],
              detail: `ARP target ${host.ipv4} drops everything`,
            },
          ];
    }
    case 'arp-target-restore': {
      const host = topology.arpTarget;
      if (!host) throw new Error('arp-target-restore: this topology has no ARP target');
      const script = `ip -n ${host.netns} addr replace ${host.ipv4}/24 dev ${host.iface}; tc -n ${host.netns} qdisc del dev ${host.iface} clsact 2>/dev/null; true`;
      return [{ argv: ['sh', '-c', script], detail: `ARP target ${host.ipv4} reachable again` }];
    }
  }
  throw new Error(`unknown fault ${JSON.stringify(fault)}`);
}

export async function inflict(target: Target, topology: Topology, fault: Fault, slave: string | undefined): Promise<FaultEvent> {
  const cable = topology.links?.setCarrier;
  if (cable && slave && (fault.kind === 'carrier-off' || fault.kind === 'carrier-on')) return await pullCable(target, cable, slaveIndex(topology, slave), fault.kind === 'carrier-on', slave);
  const commands = faultCommands(topology, fault, slave);
  const startNs = await target.clockNs();
  const details: string[] = [];
  for (const command of commands) {
    const result = await run(target, command.argv);
    details.push(result.stdout.includes('via-sysfs') ? `${command.detail} (no ifenslave binary: through sysfs, as Debian's ifenslave hooks do)` : command.detail);
  }
  const endNs = await target.clockNs();
  return { kind: 'fault', fault: fault.kind, slave, detail: details.join('; '), startNs, endNs };
}
