import { Command, Option } from 'commander';
import { DEFAULT_KERNEL } from '../vm/kernels.js';
import { exitCodes } from './errors.js';
import { interactive } from './output.js';
import { numberArgument } from './numbers.js';

export function kernelOption(): Option {
  return new Option(
    '-k, --kernel <spec>',
    'kernel: debian:bookworm|trixie|sid, debian:<release>-amd64[=<version>], host, or /path/vmlinuz:/path/modules',
  ).default(DEFAULT_KERNEL);
}

export function registerVm(program: Command): void {
  const vm = program.command('vm').description('boot a VM with a real kernel and work inside it');
  vm.command('run')
    .description('boot the VM, run one command in it, print its output, power the VM off')
    .addOption(kernelOption())
    .option('-m, --memory <mb>', 'guest memory in MiB', numberArgument({ integer: true, min: 128 }), 1024)
    .option('--cpus <n>', 'guest CPUs', numberArgument({ integer: true, min: 1 }), 2)
    .option('--timing', 'print boot and command timings to stderr')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .action(async (argv: string[], options: { kernel: string; memory: number; cpus: number; timing?: boolean }) => {
      const log = (line: string) => process.stderr.write(`bondlab: ${line}\n`);
      // Loaded here: other commands take kernelOption() from this module without the VM's modules.
      const { VmTarget } = await import('../vm/vm-target.js');
      const target = await VmTarget.boot({
        kernel: options.kernel,
        memoryMb: options.memory,
        cpus: options.cpus,
        fetch: { progress: interactive(process.stderr), log },
      });
      try {
        if (options.timing) log(`${target.description}: agent ready in ${Math.round(target.timings.agentReadyMs)} ms`);
        const result = await target.exec(argv, { cwd: process.cwd() });
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        if (options.timing) log(`command took ${result.durationMs.toFixed(1)} ms`);
        process.exitCode = result.exitCode ?? exitCodes.failed;
      } finally {
        await target.close();
      }
    });
}
