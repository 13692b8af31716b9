/**
 * The open loop's bound on requests in flight (`max_in_flight`), held in one cell of an Int32Array that
 * every worker thread of a run shares (a SharedArrayBuffer), so the bound is the run's, not each
 * thread's: an arrival finding `limit` requests in flight anywhere is dropped. Entering is a
 * compare-and-swap loop, so concurrent threads never overshoot it. One thread can use a plain array.
 */
export class InFlightGate {
  constructor(
    private readonly cells: Int32Array,
    private readonly index: number,
    private readonly limit: number,
  ) {}

  /** Takes a place when fewer than `limit` requests are in flight; false (nothing taken) otherwise. */
  tryEnter(): boolean {
    const { cells, index, limit } = this;
    for (;;) {
      const inFlight = Atomics.load(cells, index);
      if (inFlight >= limit) return false;
      if (Atomics.compareExchange(cells, index, inFlight, inFlight + 1) === inFlight) return true;
    }
  }

  leave(): void {
    Atomics.sub(this.cells, this.index, 1);
  }
}
