#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerDoctor } from './doctor.js';
import { registerKernels } from './kernels.js';
import { registerVm } from './vm.js';
import { registerRun } from './run.js';
import { registerCleanup } from './cleanup.js';
import { registerInspect } from './inspect.js';
import { registerValidate } from './validate.js';
import { registerReport } from './report.js';
import { registerMatrix } from './matrix.js';
import { registerImage } from './image.js';
import { registerCompare } from './compare.js';
import { registerLab } from './lab.js';
import { UsageError, exitCodes } from './errors.js';

const program = new Command('bondlab')
  .description('Test what Linux bonding really does when links fail: real kernels, real traffic, measured verdicts.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerDoctor(program);
registerKernels(program);
registerVm(program);
registerRun(program);
registerCleanup(program);
registerInspect(program);
registerValidate(program);
registerReport(program);
registerMatrix(program);
registerCompare(program);
registerImage(program);
registerLab(program);

try {
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
