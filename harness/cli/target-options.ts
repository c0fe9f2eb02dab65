import { Option, type Command } from 'commander';
import type { EngineKind } from '../container/engine.js';
import { DEFAULT_IMAGE } from '../container/image.js';
import type { TargetKind } from '../runner/run.js';
import { checkDestination, SshError, type SshTargetOptions } from '../transport/ssh.js';
import { UsageError } from './errors.js';
import { numberArgument } from './numbers.js';

export interface TargetChoice extends SshChoice {
  target: TargetKind;
  engine: EngineKind;
  image: string;
}

/** --ssh and its companions, as commander hands them over. */
export interface SshChoice {
  ssh?: string;
  sshPort?: number;
  sshIdentity?: string;
  sshKnownHosts?: string;
  sshAcceptNewHostKey?: boolean;
  sshOption?: string[];
}

/** --target, --engine and --image: where bonds are made, the same on every command that makes them. */
export function addTargetOptions(command: Command): Command {
  return addSshOptions(
    command
      .addOption(
        new Option(
          '-t, --target <kind>',
          'where bonds are made: a VM with its own kernel, this machine, a privileged container, or another machine over ssh (--ssh)',
        )
          .choices(['vm', 'host', 'container', 'ssh'])
          .default('vm'),
      )
      .addOption(
        new Option(
          '--engine <engine>',
          'container target: the Docker engine DOCKER_HOST names, or one in a bondlab VM (for machines without bonding or without Docker)',
        )
          .choices(['docker', 'vm'])
          .default('docker'),
      )
      .option('--image <name>', 'container target: the image to run', DEFAULT_IMAGE),
  );
}

/** How to reach another machine with OpenSSH (no passwords, no forwarding, a host key that must be known). */
export function addSshOptions(command: Command): Command {
  return command
    .option(
      '--ssh <destination>',
      'another machine, reached with OpenSSH: [user@]host as ssh takes it, logging in as root (bonds need it); it needs node >= 20 and iproute2',
    )
    .option('--ssh-port <port>', 'its ssh port', numberArgument({ integer: true, min: 1, max: 65535 }))
    .option('--ssh-identity <file>', 'the private key to log in with (no other key is offered)')
    .option('--ssh-known-hosts <file>', "a known_hosts file that holds the machine's host key (else ssh's own files)")
    .option(
      '--ssh-accept-new-host-key',
      'record the host key of a machine never connected to (a changed key is refused all the same)',
    )
    .option(
      '--ssh-option <key=value>',
      "another ssh -o option, e.g. ProxyJump=bastion (repeatable; it cannot override bondlab's own)",
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

/** The ssh target's options from the command line; undefined when no --ssh was given. */
export function sshTargetOptions(choice: SshChoice): SshTargetOptions | undefined {
  const given = [
    choice.sshPort !== undefined && '--ssh-port',
    choice.sshIdentity && '--ssh-identity',
    choice.sshKnownHosts && '--ssh-known-hosts',
    choice.sshAcceptNewHostKey && '--ssh-accept-new-host-key',
    choice.sshOption?.length && '--ssh-option',
  ].filter(Boolean);
  if (choice.ssh === undefined) {
    if (given.length) throw new UsageError(`${given.join(', ')} need --ssh <destination>`);
    return undefined;
  }
  try {
    checkDestination(choice.ssh);
  } catch (error) {
    if (error instanceof SshError) throw new UsageError(`--ssh: ${error.message}`);
    throw error;
  }
  for (const option of choice.sshOption ?? []) {
    if (!/^[A-Za-z]+[= ]\S/.test(option))
      throw new UsageError(`--ssh-option: "${option}" is not an ssh option (expected Key=value)`);
  }
  return {
    destination: choice.ssh,
    port: choice.sshPort,
    identityFile: choice.sshIdentity,
    knownHostsFile: choice.sshKnownHosts,
    acceptNewHostKey: choice.sshAcceptNewHostKey,
    sshOptions: choice.sshOption,
  };
}

/** --target ssh needs --ssh, and --ssh needs --target ssh. */
export function targetSshOptions(choice: TargetChoice): SshTargetOptions | undefined {
  const ssh = sshTargetOptions(choice);
  if (choice.target === 'ssh' && !ssh) throw new UsageError('--target ssh needs --ssh <destination>');
  if (choice.target !== 'ssh' && ssh) throw new UsageError(`--ssh is for --target ssh, not --target ${choice.target}`);
  return ssh;
}
