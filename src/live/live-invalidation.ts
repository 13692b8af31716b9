import type { Application } from '../application/application.js';
import type { PubSubPort } from '../application/ports.js';
import type { RandomSource } from '../random/random-source.js';
import type { NodesOutcome } from './live-nodes.js';
import type { RedisCommandPool } from './redis-commands.js';
import type { RedisConnections } from './redis-connection.js';

/**
 * Pub/sub invalidation over real Redis pub/sub (docs/live-redis.md, "Nodes and local tiers"): a write PUBLISHes
 * `<key> <version> <node> <sent at>` on the shard's channel, `<prefix>invalidation:<shard>`; the shard's
 * subscriber connection receives it and every node but the writer drops its local copy older than that
 * version (the application's `delivered`). A shard's keys are its own, so only it needs its messages: one channel and one subscriber
 * connection per shard. One message stands for `nodes − 1` deliveries (sent, received and lost count
 * deliveries, as in simulation); its delay is measured publish→receive on the run's clock (one monotonic
 * clock for every thread), not drawn from `pubsub.delay`. In a `pubsub-partition` window the subscriber's
 * connection is cut (fault-windows.ts): what is published meanwhile never arrives, and counts as lost.
 */
export class LiveInvalidation implements PubSubPort {
  sent = 0;
  received = 0;
  lost = 0;
  private readonly delaysMs: number[] = [];
  /** Messages published (or failed) but not yet received. */
  private outstanding = 0;
  private waiter: (() => void) | null = null;
  private app: Application | null = null;
  /** Where PUBLISHes go, and what a failed one is told to. */
  private publisher: { connections: RedisCommandPool; failed: (error: Error) => void } | null = null;

  private constructor(
    private readonly subscriber: RedisConnections,
    readonly channel: string,
    private readonly nodes: number,
    private readonly now: () => number,
    private readonly loss: { rate: number; random: RandomSource } | null,
  ) {}

  /** The application whose nodes hear the messages, and the connections its PUBLISHes go out on. */
  attach(app: Application, connections: RedisCommandPool, failed: (error: Error) => void): void {
    this.app = app;
    this.publisher = { connections, failed };
  }

  /**
   * Subscribes `subscriber` (a connection of its own, now in subscriber mode) to the shard's channel.
   * With `loss` (pubsub.loss), each delivery that arrives is dropped with that probability, as the
   * simulation drops it: the node keeps its copy, and the delivery counts as lost.
   */
  static async open(
    subscriber: RedisConnections,
    channel: string,
    nodes: number,
    now: () => number,
    loss: { rate: number; random: RandomSource } | null = null,
  ): Promise<LiveInvalidation> {
    const invalidation = new LiveInvalidation(subscriber, channel, nodes, now, loss);
    const client = subscriber.clients[0];
    client.on('message', (from: string, message: string) => {
      if (from === channel) invalidation.receive(message);
    });
    await client.subscribe(channel);
    return invalidation;
  }

  /** Tells the other nodes about `version` of `key` (a failed PUBLISH counts its deliveries lost, and its error as the cache's). */
  publish(from: number, key: number, version: number, now: number): void {
    const others = this.nodes - 1;
    if (others === 0) return;
    this.sent += others;
    this.outstanding++;
    const publisher = this.publisher!;
    publisher.connections
      .pick()
      .publish(this.channel, `${key} ${version} ${from} ${now}`)
      .catch((error: Error) => {
        this.lost += others;
        this.settleOne();
        publisher.failed(error);
      });
  }

  private receive(message: string): void {
    const now = this.now();
    const [key, version, from, sentAt] = message.split(' ').map(Number);
    this.delaysMs.push(Math.max(0, now - sentAt));
    for (let node = 0; node < this.nodes; node++) {
      if (node === from) continue;
      if (this.loss !== null && this.loss.random.nextFloat() < this.loss.rate) continue;
      // A crashed node never hears it (a node-crash window), as simulated: the delivery is lost.
      if (this.app!.delivered(node, key, version, now)) this.received++;
    }
    this.settleOne();
  }

  private settleOne(): void {
    this.outstanding--;
    if (this.outstanding <= 0 && this.waiter !== null) this.waiter();
  }

  /** Waits up to `timeoutMs` for every published message to arrive; those that did not are lost. */
  async drain(timeoutMs: number): Promise<NodesOutcome['invalidation']> {
    if (this.outstanding > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    this.lost = this.sent - this.received;
    return { sent: this.sent, received: this.received, lost: this.lost, delaysMs: this.delaysMs };
  }

  close(): void {
    this.subscriber.close();
  }
}
