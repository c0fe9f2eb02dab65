/**
 * Imported first by commands that finish in a fraction of a second (validate). V8 optimizes a
 * function once it has run a while (its interrupt budget), compiling it on another thread: in a
 * process that lives 300 ms that work is never paid back, and on a loaded 2-core machine it
 * competes with the command itself (bench/cli-start.ts: validate took about a quarter less CPU
 * without it). Fifteen times the default budget postpones it without forbidding it, so that a
 * long validation of thousands of cases is still optimized.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--interrupt-budget=1000000');
