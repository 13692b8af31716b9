/**
 * The database's connection pool: at most `size` queries execute at once; the rest wait in a FIFO
 * queue of request slots (a ring buffer that grows).
 */
export class ConnectionPool {
  inUse = 0;
  private queue = new Int32Array(1024);
  private head = 0;
  queued = 0;

  constructor(readonly size: number) {}

  hasFreeConnection(): boolean {
    return this.inUse < this.size;
  }

  enqueue(slot: number): void {
    if (this.queued === this.queue.length) this.grow();
    this.queue[(this.head + this.queued) & (this.queue.length - 1)] = slot;
    this.queued++;
  }

  /** The longest-waiting slot, or -1. */
  dequeue(): number {
    if (this.queued === 0) return -1;
    const slot = this.queue[this.head];
    this.head = (this.head + 1) & (this.queue.length - 1);
    this.queued--;
    return slot;
  }

  private grow(): void {
    const queue = new Int32Array(this.queue.length * 2);
    for (let i = 0; i < this.queued; i++) queue[i] = this.queue[(this.head + i) & (this.queue.length - 1)];
    this.queue = queue;
    this.head = 0;
  }
}
