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

/** How long a command that keeps its results may take to end what is in flight after a signal. */
const FINISH_GRACE_MS = 30_000;

function tearDownAndExit(exitCode: number, why: string): void {
  process.stderr.write(`bondlab: ${why}\n`);
  void runAll().finally(() => process.exit(exitCode));
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (keepGoing) tearDownAndExit(exitCode, `${signal} again, tearing down without results`);
        return;
      }
      stopping = true;
      received = { signal, exitCode, at: performance.now() };
      resolveStopped(received);
      if (!keepGoing) return tearDownAndExit(exitCode, `${signal}, tearing down`);
      // The command sees isStopping(): steps end, its own code tears down in order (no cleanup
      // races a step still using the target), then it writes its results and exits.
      setTimeout(
        () =>
          tearDownAndExit(
            exitCode,
            `${signal}: the run did not stop within ${FINISH_GRACE_MS / 1000} s, tearing down without results`,
          ),
        FINISH_GRACE_MS,
      ).unref();
    });
  }
}

/**
 * For a command that keeps what it measured (`run`): on the first signal, let the command end
 * what is in flight, tear down, write its results and exit with stopSignal()'s code (it calls
 * runAll() last, for anything left); a second signal, or the grace period, tears down at once
 * and exits without results.
 */
export function finishOnSignal(): void {
  installSignalHandlers();
  keepGoing = true;
}

/** Rejects, naming the signal, when one stops bondlab: raced against a wait, it ends the wait. */
export function interruption(): Promise<never> {
  return stopped.then((stop) => {
    throw new Error(`interrupted by ${stop.signal}`);
  });
}

/** A pause that a signal ends early, with an error that names the signal. */
export async function sleepUnlessStopped(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
      interruption(),
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
      process.stderr.write(
        `bondlab: cleanup "${entry.label}" failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
}

/** True once a signal asked bondlab to stop: long loops check it to stop early. */
export function isStopping(): boolean {
  return stopping;
}
