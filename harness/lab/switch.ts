/**
 * A switch as the far side: a cable pull is the lab owner's own shut command for the cable's
 * port, and a plug their no-shut (SSH to the switch's CLI, SNMP, NETCONF: whatever the lab file
 * says). The commands run on the machine bondlab runs on, through execa and sh; their output
 * goes into the fault's detail, so the report keeps what the switch answered.
 */
import { execa } from 'execa';
import type { SwitchSide } from './lab.js';

/** A hook that hangs (an SSH prompt, an unreachable switch) fails the step instead of the run. */
const HOOK_TIMEOUT_MS = 120_000;
/** The report keeps the end of a long answer. */
const MAX_OUTPUT = 500;

export function hookCommand(far: SwitchSide, index: number, up: boolean): { port: string; command: string } {
  const port = far.ports[index];
  if (port === undefined) throw new Error(`the switch has no port for cable ${index}`);
  return { port, command: (up ? far.noShut : far.shut).replaceAll('{port}', port) };
}

/** Run one port's hook; throws with the command's output when it fails. */
export async function runHook(far: SwitchSide, index: number, up: boolean, log: string[]): Promise<string> {
  const { port, command } = hookCommand(far, index, up);
  const verb = up ? 'no-shut' : 'shut';
  log.push(`[local] ${command}`);
  const result = await execa('sh', ['-c', command], { reject: false, all: true, timeout: HOOK_TIMEOUT_MS });
  const output = (result.all ?? '').trim();
  const shown = output.length > MAX_OUTPUT ? `...${output.slice(-MAX_OUTPUT)}` : output;
  if (result.exitCode !== 0)
    throw new Error(
      `the switch's ${verb} hook for port ${port} failed (${result.timedOut ? `no answer in ${HOOK_TIMEOUT_MS / 1000} s` : `exit ${result.exitCode ?? result.signal}`}): ${command}${shown ? `: ${shown}` : ''}`,
    );
  return `switch port ${port} ${verb}: ${command}${shown ? ` -> ${shown}` : ''}`;
}

/**
 * The switch's link control: `setCarrier` for the lab's links. It remembers the ports it shut,
 * so that `reopen` (at restore, and from the journal after a SIGKILL) gives each of them its no-shut.
 */
export function switchControl(
  far: SwitchSide,
  log: string[],
  onChange: (shut: number[]) => Promise<void>,
): { setCarrier: (index: number, up: boolean) => Promise<string>; reopen: () => Promise<string[]> } {
  const shut = new Set<number>();
  return {
    setCarrier: async (index, up) => {
      if (!up) {
        // Journaled before the command: a SIGKILL while it runs still leaves the port to re-open.
        shut.add(index);
        await onChange([...shut]);
      }
      const detail = await runHook(far, index, up, log);
      if (up) {
        shut.delete(index);
        await onChange([...shut]);
      }
      return detail;
    },
    reopen: async () => {
      const problems: string[] = [];
      for (const index of [...shut].reverse()) {
        try {
          await runHook(far, index, true, log);
          shut.delete(index);
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
      await onChange([...shut]);
      return problems;
    },
  };
}
