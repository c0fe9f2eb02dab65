/**
 * Everything bondlab creates registers how to undo it here, so that teardown happens on success,
 * on failure, and on Ctrl-C or SIGTERM alike: cleanups run newest first, like a stack.
 */
type Cleanup = () => Promise<void> | void;

const cleanups = new Map<number, { label: string; run: Cleanup }>();
let nextKey = 1;
let installed = false;
let stopping = false;

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`bondlab: ${signal}, tearing down\n`);
      void runAll().finally(() => process.exit(code));
    });
  }
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
