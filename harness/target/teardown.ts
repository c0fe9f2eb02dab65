/**
 * Everything bondlab creates registers how to undo it here, so that teardown happens on success,
 * on failure, and on Ctrl-C or SIGTERM alike: cleanups run newest first, like a stack.
 */
type Cleanup = () => Promise<void> | void;

const cleanups = new Map<number, { label: string; run: Cleanup }>();
let nextKey = 1;
let installed = false;
let stopping = false;
let keepGoing = false;
let received: StopSignal | undefined;
let resolveStopped: (stop: StopSignal) => void = () => undefined;
const stopped = new Promise<StopSignal>((resolve) => {
  resolveStopped = resolve;
});

/** The signal that stopped bondlab, and the exit code that says so (128 + its number). */
export interface StopSignal {
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  exitCode: number;
  /** When it came, on performance.now()'s clock. */
  at: number;
}

/** How long a command that keeps its results may take to write them after a signal. */
const FINISH_GRACE_MS = 30_000;

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (!keepGoing) return;
        process.stderr.write(`bondlab: ${signal} again, exiting without results\n`);
        process.exit(exitCode);
      }
      stopping = true;
      received = { signal, exitCode, at: performance.now() };
      resolveStopped(received);
      if (!keepGoing) {
        process.stderr.write(`bondlab: ${signal}, tearing down\n`);
        void runAll().finally(() => process.exit(exitCode));
        return;
      }
      // The command sees isStopping(), ends what is in flight, keeps its results and exits itself.
      void runAll().finally(() => {
        setTimeout(() => {
          process.stderr.write(`bondlab: ${signal}: the run did not stop within ${FINISH_GRACE_MS / 1000} s of teardown, exiting without results\n`);
          process.exit(exitCode);
        }, FINISH_GRACE_MS).unref();
      });
    });
  }
}

/**
 * For a command that keeps what it measured (`run`): on the first signal, tear everything down
 * but let the command finish, write its results and exit with stopSignal()'s code; a second
 * signal exits at once.
 */
export function finishOnSignal(): void {
  installSignalHandlers();
  keepGoing = true;
}

/** A pause that a signal ends early, with an error that names the signal. */
export async function sleepUnlessStopped(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
      stopped.then((stop) => {
        throw new Error(`interrupted by ${stop.signal}`);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The signal that stopped bondlab, once one has. */
export function stopSignal(): StopSignal | undefined {
  return received;
}

/** Register a cleanup; the returned function runs it now (once) and unregisters it. */
export function onTeardown(label: string, run: Cleanup): () => Promise<void> {
  installSignalHandlers();
  const key = nextKey++;
  cleanups.set(key, { label, run });
  return async () => {
    const entry = cleanups.get(key);
    if (!entry) return;
    cleanups.delete(key);
    await entry.run();
  };
}

/** Run every registered cleanup, newest first; failures are reported, never stop the rest. */
export async function runAll(): Promise<void> {
  const entries = [...cleanups.entries()].reverse();
  cleanups.clear();
  for (const [, entry] of entries) {
    try {
      await entry.run();
    } catch (error) {
      process.stderr.write(`bondlab: cleanup "${entry.label}" failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** True once a signal asked bondlab to stop: long loops check it to stop early. */
export function isStopping(): boolean {
  return stopping;
}
