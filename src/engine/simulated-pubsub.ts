import type { Application } from '../application/application.js';
import type { PubSubPort } from '../application/ports.js';
import { grownFreeList, grownInt32 } from '../collections/typed-array-growth.js';
import type { RandomSource } from '../random/random-source.js';
import type { InvalidationMessageMetrics } from '../result/run-result.js';
import type { EventQueue } from './event-queue.js';
import type { LatencySampler } from './latency-model.js';

/**
 * Pub/sub invalidation on the virtual clock: a write's message to every other node, each delivery delayed
 * by a draw from `pubsub.delay`, lost with probability `pubsub.loss`, and lost in a `pubsub-partition`
 * window; a delivery to a crashed node is lost too. Counts are per delivery (one message to each node).
 */
export class SimulatedPubSub implements PubSubPort {
  private app: Application | null = null;
  readonly messages: InvalidationMessageMetrics = { sent: 0, received: 0, lost: 0 };
  /** `pubsub-partition` windows open now. */
  partitioned = 0;
  // Deliveries on their way, a struct of arrays with a free list.
  private key = new Int32Array(1024);
  private version = new Int32Array(1024);
  private node = new Int32Array(1024);
  private free = Int32Array.from({ length: 1024 }, (_, i) => 1023 - i);
  private freeCount = 1024;

  constructor(
    private readonly nodes: number,
    private readonly delay: LatencySampler,
    private readonly loss: number,
    /** The loss draws' source (the engine's, shared with xfetch's draws, in the order they are made). */
    private readonly random: RandomSource,
    /** The virtual clock's queue: a delivery goes in as `delivery × scale + offset`, and comes back through `deliver`. */
    private readonly events: EventQueue,
    private readonly scale: number,
    private readonly offset: number,
  ) {}

  attach(app: Application): void {
    this.app = app;
  }

  publish(from: number, key: number, version: number, now: number): void {
    for (let node = 0; node < this.nodes; node++) {
      if (node === from) continue;
      this.messages.sent++;
      if (this.partitioned > 0 || (this.loss > 0 && this.random.nextFloat() < this.loss)) {
        this.messages.lost++;
        continue;
      }
      if (this.freeCount === 0) this.grow();
      const d = this.free[--this.freeCount];
      this.key[d] = key;
      this.version[d] = version;
      this.node[d] = node;
      this.events.push(now + this.delay.sample(), d * this.scale + this.offset);
    }
  }

  /** Delivery `d` arrives at `now`: the node drops its older local copy (a crashed node never hears it). */
  deliver(d: number, now: number): void {
    if (this.app!.delivered(this.node[d], this.key[d], this.version[d], now)) this.messages.received++;
    else this.messages.lost++;
    this.free[this.freeCount++] = d;
  }

  private grow(): void {
    const capacity = this.key.length * 2;
    const old = this.key.length;
    this.key = grownInt32(this.key, capacity);
    this.version = grownInt32(this.version, capacity);
    this.node = grownInt32(this.node, capacity);
    this.free = grownFreeList(this.free, this.freeCount, old, capacity);
    this.freeCount += capacity - old;
  }
}
