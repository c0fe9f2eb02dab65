/**
 * The cables a lab session's faults have pulled. Each session keeps its own, so two sessions in one
 * process (two labs, or a lab reopened) never see each other's cables; a case's restore plugs every
 * cable back and forgets them.
 */
export class PulledCables {
  private readonly pulled = new Set<number>();

  /** Cable `index` was pulled (true) or plugged (false). */
  note(index: number, pulled: boolean): void {
    if (pulled) this.pulled.add(index);
    else this.pulled.delete(index);
  }

  /** Whether cable `index` is out: the DUT NIC behind it gets no carrier to wait for. */
  has(index: number): boolean {
    return this.pulled.has(index);
  }

  clear(): void {
    this.pulled.clear();
  }
}
