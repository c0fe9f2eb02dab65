import { Option, type Command } from 'commander';
import type { EngineKind } from '../container/engine.js';
import { DEFAULT_IMAGE } from '../container/image.js';
import type { TargetKind } from '../runner/run.js';

export interface TargetChoice {
  target: TargetKind;
  engine: EngineKind;
  image: string;
}

/** --target, --engine and --image: where bonds are made, the same on every command that makes them. */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(new Option('-t, --target <kind>', 'where bonds are made: a VM with its own kernel, this machine, or a privileged container').choices(['vm', 'host', 'container']).default('vm'))
    .addOption(new Option('--engine <engine>', 'container target: the Docker engine DOCKER_HOST names, or one in a bondlab VM (for machines without bonding or without Docker)').choices(['docker', 'vm']).default('docker'))
    .option('--image <name>', 'container target: the image to run', DEFAULT_IMAGE);
}
