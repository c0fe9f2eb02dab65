#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UsageError, exitCodes } from './errors.js';
import { lazyCommands, type LazyCommand } from './lazy.js';
import { packageVersion } from '../package-root.js';

/**
 * One line per command. A command's module (and what it imports: the container stack, execa, the
 * reporters) is loaded only when that command runs; `--help` lists the summaries without loading any.
 */
const commands: LazyCommand[] = [
  {
    name: 'doctor',
    summary: 'what this machine offers bondlab, and how to fix what is missing',
    load: async () => (await import('./doctor.js')).registerDoctor,
  },
  {
    name: 'kernels',
    summary: 'list, fetch and remove the kernels the VM target boots',
    load: async () => (await import('./kernels.js')).registerKernels,
  },
  {
    name: 'tools',
    summary: 'fetch the guest tools the VM runs (NetworkManager) without installing them here',
    load: async () => (await import('./tools.js')).registerTools,
  },
  {
    name: 'vm',
    summary: 'boot a VM with a real kernel and work inside it',
    load: async () => (await import('./vm.js')).registerVm,
  },
  {
    name: 'run',
    summary: 'run scenario files: build bonds, break links, check what the bond did',
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    name: 'cleanup',
    summary: 'remove what killed runs left behind',
    load: async () => (await import('./cleanup.js')).registerCleanup,
  },
  {
    name: 'inspect',
    summary: "print a bond's state from a /proc/net/bonding text or live",
    load: async () => (await import('./inspect.js')).registerInspect,
  },
  {
    name: 'validate',
    summary: 'check scenario files without running anything',
    load: async () => (await import('./validate.js')).registerValidate,
  },
  {
    name: 'report',
    summary: "render a run's reports again from its results.json",
    load: async () => (await import('./report.js')).registerReport,
  },
  {
    name: 'merge',
    summary: 'join the results of shards into one run and its reports',
    load: async () => (await import('./merge.js')).registerMerge,
  },
  {
    name: 'matrix',
    summary: 'measure every bonding mode under the same traffic and faults',
    load: async () => (await import('./matrix.js')).registerMatrix,
  },
  {
    name: 'compare',
    summary: 'compare two runs: verdicts that changed, measurements that moved',
    load: async () => (await import('./compare.js')).registerCompare,
  },
  {
    name: 'advise',
    summary: 'rank the bonding modes for your constraints, from measured results',
    load: async () => (await import('./advise.js')).registerAdvise,
  },
  {
    name: 'image',
    summary: "the container target's image: build, list, remove",
    load: async () => (await import('./image.js')).registerImage,
  },
  {
    name: 'config',
    summary: 'read your bonding configuration files and say what the kernel will get',
    load: async () => (await import('./config.js')).registerConfig,
  },
  {
    name: 'lab',
    summary: 'check a lab file: its NICs, their facts, and what a run would refuse',
    load: async () => (await import('./lab.js')).registerLab,
  },
];

const program = new Command('bondlab')
  .description('Test what Linux bonding really does when links fail: real kernels, real traffic, measured verdicts.')
  .version(packageVersion())
  .showHelpAfterError()
  .exitOverride();

// `bondlab ... | head`: once the reader is gone, output is dropped, but a run still tears down what it made.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

try {
  await lazyCommands(program, commands, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : exitCodes.usage;
  } else if (error instanceof UsageError) {
    process.stderr.write(`bondlab: ${error.message}\n`);
    process.exitCode = exitCodes.usage;
  } else {
    process.stderr.write(`bondlab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodes.usage;
  }
}
