/**
 * The simulation's future events: a binary min-heap on (time, insertion order) over typed arrays.
 * Ties on time leave in insertion order, so a run is deterministic. An event is a small integer
 * payload (the engine packs a kind and a request slot into it).
 */
export class EventQueue {
  private times = new Float64Array(1024);
  private orders = new Float64Array(1024);
  private payloads = new Int32Array(1024);
  private nextOrder = 0;
  size = 0;

  push(time: number, payload: number): void {
    if (this.size === this.times.length) this.grow();
    const order = this.nextOrder++;
    let i = this.size++;
    const times = this.times;
    const orders = this.orders;
    const payloads = this.payloads;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && orders[parent] < order)) break;
      times[i] = pt;
      orders[i] = orders[parent];
      payloads[i] = payloads[parent];
      i = parent;
    }
    times[i] = time;
    orders[i] = order;
    payloads[i] = payload;
  }

  /** Time of the earliest event; +Infinity when empty. */
  peekTime(): number {
    return this.size > 0 ? this.times[0] : Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest event and returns its payload (read its time with peekTime first). */
  pop(): number {
    const times = this.times;
    const orders = this.orders;
    const payloads = this.payloads;
    const top = payloads[0];
    const n = --this.size;
    if (n === 0) return top;
    const time = times[n];
    const order = orders[n];
    const payload = payloads[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (times[right] < times[child] || (times[right] === times[child] && orders[right] < orders[child]))) {
        child = right;
      }
      const ct = times[child];
      if (ct > time || (ct === time && orders[child] > order)) break;
      times[i] = ct;
      orders[i] = orders[child];
      payloads[i] = payloads[child];
      i = child;
    }
    times[i] = time;
    orders[i] = order;
    payloads[i] = payload;
    return top;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    const orders = new Float64Array(n);
    const payloads = new Int32Array(n);
    times.set(this.times);
    orders.set(this.orders);
    payloads.set(this.payloads);
    this.times = times;
    this.orders = orders;
    this.payloads = payloads;
  }
}
