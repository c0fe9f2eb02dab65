/**
 * The topology teardowns of one target's cases, left running while the next case builds (cases
 * use their own namespaces and subnets). The worker awaits them all before its target closes,
 * and a failure among them still ends the run.
 */
export class PendingTeardowns {
  private pending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  /** Takes over a teardown in progress; its failure is kept for check(). */
  add(teardown: Promise<void>): void {
    const kept = teardown.catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.pending = Promise.all([this.pending, kept]).then(() => undefined);
  }

  /** Resolves once every teardown taken so far has ended, failed or not. */
  get settled(): Promise<void> {
    return this.pending;
  }

  /** Throws the first failure of a teardown that has ended. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }
}
