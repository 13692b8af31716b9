import { Application } from '../application/application.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { RandomSource } from '../random/random-source.js';
import type { InvalidationMessageMetrics, WriteBehindMetrics } from '../result/run-result.js';
import type { FaultSpec, WarmupSpec } from '../scenario/scenario.js';
import type { Topology } from '../topology/topology.js';
import { AccessBatch, type AccessStream } from '../workload/access-event.js';
import { BuiltInSharedTier } from './built-in-shared-tier.js';
import { EventQueue } from './event-queue.js';
import { type FaultEdge, faultEdges } from './fault-timeline.js';
import { createLatencySampler, type LatencySampler } from './latency-model.js';
import { DatabaseModel } from './database-model.js';
import { SimulatedPubSub } from './simulated-pubsub.js';

export interface TimedSimulationSetup {
  /** Where `step` takes its arrivals; null: they are handed to `arrive` (a one-pass sweep's lane). */
  stream: AccessStream | null;
  /** null: the no-cache baseline. */
  topology: Topology | null;
  dbReadLatency: LatencySampler;
  dbWriteLatency: LatencySampler;
  maxConcurrency: number;
  timeoutMs: number | null;
  recorder: RunRecorder;
  /** Fault windows on the run's clock (docs/scenario-reference.md, "Faults"); the baseline runs without them. */
  faults?: readonly FaultSpec[];
  /** Seeds the engine's own draws: pub/sub delays and losses, xfetch's early expiry. */
  seed?: number;
  /** Requests run but not measured at the start (the recorder's `measuredFrom`); absent: none. */
  warmup?: WarmupSpec;
}

// Every event is the application's alarm (payload × 2) or the world's ((sub × 4 + source) × 2 + 1).
const FROM_DATABASE = 0;
const FROM_PUBSUB = 1;
const FROM_FAULT = 2;

/**
 * The application (application/application.ts) on a virtual clock: a discrete-event simulation. The
 * application decides what each request does; this driver answers it with the built-in shared tier
 * (answering at once, with modeled round trips), the database model (database-model.ts) and modeled
 * pub/sub (simulated-pubsub.ts), and keeps one queue of future events — the application's alarms, the
 * database's completions and timeouts, pub/sub deliveries, fault edges — in (time, insertion) order, so a
 * run is deterministic. Arrivals come from the workload in time order, each after every event due before it.
 */
export class TimedSimulation {
  private readonly events = new EventQueue();
  private readonly app: Application;
  private readonly database: DatabaseModel;
  private readonly shared: BuiltInSharedTier | null;
  private readonly pubsub: SimulatedPubSub | null;
  private readonly topology: Topology | null;
  private readonly faults: readonly FaultSpec[];
  private readonly edges: FaultEdge[];

  private readonly batch: AccessBatch | null;
  /** The stream has ended and every event has been dispatched. */
  private finished = false;
  /** Warm-up requests still to come, and the intended start of the last one so far. */
  private warmupLeft: number;
  private lastWarmupStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly setup: TimedSimulationSetup) {
    const topology = setup.topology;
    this.topology = topology;
    const spec = topology?.spec ?? null;
    const seed = setup.seed ?? 1;
    const events = this.events;
    const world = (time: number, w: number): void => events.push(time, w * 2 + 1);
    this.database = new DatabaseModel({
      readLatency: setup.dbReadLatency,
      writeLatency: setup.dbWriteLatency,
      maxConcurrency: setup.maxConcurrency,
      timeoutMs: setup.timeoutMs,
      recorder: setup.recorder,
      // (payload × 4 + FROM_DATABASE) × 2 + 1
      events,
      scale: 8,
      offset: FROM_DATABASE * 2 + 1,
    });
    const protection = spec?.stampede.protection;
    const tracksFreshness = protection === 'refresh-ahead' || protection === 'stale-while-revalidate' || protection === 'xfetch';
    this.shared = topology?.shared != null ? new BuiltInSharedTier(topology.shared, topology.sharedLatency!, tracksFreshness) : null;
    const engineRandom = RandomSource.derive(seed, 'engine');
    this.pubsub =
      spec?.pubsub != null
        ? new SimulatedPubSub(
            topology!.nodes,
            createLatencySampler(spec.pubsub.delay, RandomSource.derive(seed, 'pubsub-delay')),
            spec.pubsub.loss,
            engineRandom,
            // (delivery × 4 + FROM_PUBSUB) × 2 + 1
            events,
            8,
            FROM_PUBSUB * 2 + 1,
          )
        : null;
    this.app = new Application({
      spec,
      nodes: topology,
      shared: this.shared,
      database: this.database,
      pubsub: this.pubsub,
      alarm: { at: (time, payload) => events.push(time, payload * 2) },
      recorder: setup.recorder,
      random: engineRandom,
    });
    this.database.attach(this.app);
    this.shared?.attach(this.app);
    this.pubsub?.attach(this.app);
    this.batch = setup.stream === null ? null : new AccessBatch(4096);
    this.faults = setup.faults ?? [];
    this.edges = faultEdges(this.faults);
    for (const [i, edge] of this.edges.entries()) world(edge.time, i * 4 + FROM_FAULT);
    if (topology?.local != null) setup.recorder.timeseries.tiers = true;
    // A warm-up of N requests ends at the first arrival after the N-th that is later than it (requests
    // arriving at the same instant as the N-th are warm-up too), so every request is measured or not as a whole.
    const warmup = setup.warmup;
    this.warmupLeft = warmup?.kind === 'requests' ? warmup.requests : 0;
    if (warmup?.kind === 'duration') setup.recorder.measuredFrom = warmup.ms;
    else if (this.warmupLeft > 0) setup.recorder.measuredFrom = Number.POSITIVE_INFINITY;
  }

  run(): void {
    while (!this.step(Number.POSITIVE_INFINITY));
  }

  /**
   * Takes up to `batches` batches of arrivals from the stream (and dispatches every event before them);
   * true once the stream has ended and every request has completed. A driver that must stay responsive
   * (Ctrl-C) runs the simulation in steps; the result does not depend on how it was stepped.
   */
  step(batches: number): boolean {
    if (this.finished) return true;
    const stream = this.setup.stream;
    const batch = this.batch;
    if (stream === null || batch === null) throw new Error('a timed simulation without a stream is fed through arrive()');
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        this.drain();
        return true;
      }
      this.arrive(batch, n);
    }
    return false;
  }

  /**
   * The first `n` arrivals of `batch`, each after every event due before it: what `step` does with a
   * batch it took. A sweep feeds several simulations the same batches this way; the result depends only
   * on the arrivals, not on how they were cut into batches.
   */
  arrive(batch: AccessBatch, n: number): void {
    const recorder = this.setup.recorder;
    const events = this.events;
    const app = this.app;
    let warmupLeft = this.warmupLeft;
    let lastWarmupStart = this.lastWarmupStart;
    const times = batch.time;
    const keys = batch.key;
    const ops = batch.op;
    const sizes = batch.size;
    const ttls = batch.ttl;
    for (let i = 0; i < n; i++) {
      const t = times[i];
      while (events.peekTime() <= t) this.dispatch();
      if (warmupLeft > 0) {
        warmupLeft--;
        lastWarmupStart = t;
      } else if (t > lastWarmupStart && recorder.measuredFrom === Number.POSITIVE_INFINITY) {
        recorder.measuredFrom = t;
      }
      app.arrive(t, keys[i], ops[i], sizes[i], ttls[i]);
    }
    this.warmupLeft = warmupLeft;
    this.lastWarmupStart = lastWarmupStart;
  }

  /** No more arrivals: every event still due is dispatched (the requests in flight complete). */
  drain(): void {
    if (this.finished) return;
    while (this.events.size > 0) this.dispatch();
    this.finished = true;
  }

  /** Pub/sub message counts; null without pub/sub invalidation. */
  invalidationMessages(): InvalidationMessageMetrics | null {
    return this.pubsub === null ? null : { ...this.pubsub.messages };
  }

  /** Write-behind counts; null without write-behind. */
  writeBehind(): WriteBehindMetrics | null {
    return this.app.writeBehind?.metrics() ?? null;
  }

  private dispatch(): void {
    const now = this.events.peekTime();
    const payload = this.events.pop();
    if ((payload & 1) === 0) {
      this.app.wake(payload >> 1, now);
      return;
    }
    const w = payload >> 1;
    const sub = w >> 2;
    switch (w & 3) {
      case FROM_DATABASE:
        this.database.event(sub, now);
        break;
      case FROM_PUBSUB:
        this.pubsub!.deliver(sub, now);
        break;
      default:
        this.faultEdge(this.edges[sub], now);
    }
  }

  private faultEdge(edge: FaultEdge, now: number): void {
    const fault = this.faults[edge.fault];
    const step = edge.starts ? 1 : -1;
    switch (fault.type) {
      case 'cache-down':
        if (this.shared !== null) this.shared.down += step;
        break;
      case 'cache-slow':
        if (this.topology?.sharedLatency != null) this.topology.sharedLatency.addedMs += step * fault.latency;
        break;
      case 'db-down':
        this.database.down += step;
        this.app.databaseDown += step;
        break;
      case 'pubsub-partition':
        if (this.pubsub !== null) this.pubsub.partitioned += step;
        break;
      case 'db-slow':
        this.database.slowFactor = edge.starts ? this.database.slowFactor * fault.factor : this.database.slowFactor / fault.factor;
        break;
      case 'node-crash':
        if (edge.starts) this.app.crash(fault.node, fault.duration > 0, now);
        else this.app.restart(fault.node);
        break;
    }
  }
}
