import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';
import type { RunRecorder } from '../metrics/run-recorder.js';
import { MAX_TIMESERIES_WINDOWS } from '../metrics/timeseries-recorder.js';
import type { InvalidationSpec, WarmupSpec } from '../scenario/scenario.js';
import { AccessBatch, type AccessStream, OP_DELETE, OP_GET } from '../workload/access-event.js';
import type { CacheTier } from './cache-tier.js';
import { VersionLedger } from './version-ledger.js';

export interface HitRatioReplaySetup {
  stream: AccessStream;
  /** null: the no-cache baseline. */
  cache: CacheTier | null;
  invalidation: InvalidationSpec;
  recorder: RunRecorder;
  /** Requests run but not measured at the start; absent: none. */
  warmup?: WarmupSpec;
}

/**
 * A replay without timing ("as fast as possible"): every request completes at its own timestamp, so
 * there is no latency, queueing or herd, only what the cache holds. Event times still drive TTL expiry
 * and staleness ages when the workload has a clock (a trace's timestamps). This is the loop the
 * throughput targets are about: a lookup, a fill on a miss, nothing allocated per request.
 *
 * The work splits in two: what does not depend on the cache (WorkloadAccounting: arrivals, DB writes, the
 * versions writes commit) and what does (HitRatioLane: lookups, fills, invalidations, stale reads). One
 * replay is one of each; a sweep (src/run/sweep.ts) feeds many lanes from one accounting, and each lane's
 * recorder, with the accounting's added, holds exactly what a replay of its cache alone records.
 */
export function replayHitRatio(setup: HitRatioReplaySetup): void {
  const replay = new HitRatioReplay(setup);
  while (!replay.step(Number.POSITIVE_INFINITY));
}

/** The same replay in steps, for a driver that must stay responsive between them (Ctrl-C). */
export class HitRatioReplay {
  private readonly accounting: WorkloadAccounting;
  private readonly lane: HitRatioLane;
  private readonly batch = new AccessBatch(8192);
  private finished = false;

  constructor(private readonly setup: HitRatioReplaySetup) {
    this.accounting = new WorkloadAccounting(setup.recorder, setup.warmup);
    this.lane = new HitRatioLane(setup.cache, setup.invalidation, setup.recorder);
  }

  /** Replays up to `batches` batches; true once the stream has ended. */
  step(batches: number): boolean {
    if (this.finished) return true;
    const { stream } = this.setup;
    const batch = this.batch;
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        this.lane.finish();
        this.finished = true;
        return true;
      }
      this.accounting.observe(batch, n, stream.keySpace);
      this.lane.observe(batch, n, this.accounting);
    }
    return false;
  }
}

/**
 * The cache-independent half of a hit-ratio replay: every arrival, read size and DB write goes to
 * `recorder`, and the version ledger advances with the writes. After `observe`, for event i of the batch:
 * `version[i]` is what it needs from the ledger — for a read, the key's committed (= acknowledged: without
 * timing a write is both at once) version at that moment; for a write or delete, the version it commits —
 * and `window[i]` its time-series window at the width `windowMs` the recorder has reached. Events before
 * `firstMeasured` are the warm-up's: they run (and fill the caches) but are not measured.
 */
export class WorkloadAccounting {
  private readonly ledger = new VersionLedger();
  version = new Int32Array(0);
  window = new Int32Array(0);
  windowMs: number;
  /** Whether any write or delete has arrived so far (until then every version is 0). */
  writesSeen = false;
  /** The first event of the last batch past the warm-up (the batch's length while the warm-up goes on). */
  firstMeasured = 0;
  /** Requests of a warm-up counted in requests still to come. */
  private warmupLeft: number;
  /** The end of a warm-up counted in time (−∞: none). */
  private readonly warmupMs: number;

  constructor(
    readonly recorder: RunRecorder,
    warmup?: WarmupSpec,
  ) {
    this.windowMs = recorder.timeseries.windowMs;
    this.warmupLeft = warmup?.kind === 'requests' ? warmup.requests : 0;
    this.warmupMs = warmup?.kind === 'duration' ? warmup.ms : Number.NEGATIVE_INFINITY;
    if (this.warmupLeft > 0 || this.warmupMs > Number.NEGATIVE_INFINITY) recorder.measuredFrom = Number.POSITIVE_INFINITY;
  }

  observe(batch: AccessBatch, n: number, keySpace: number): void {
    const { recorder, ledger } = this;
    ledger.ensureKeySpace(keySpace);
    if (this.version.length < n) {
      const length = doubledLength(this.version.length, n);
      this.version = grownInt32(this.version, length);
      this.window = grownInt32(this.window, length);
    }
    const version = this.version;
    const { time, key: keys, op: ops, size: sizes } = batch;
    const committed = ledger.committed;
    let firstMeasured = recorder.measuredFrom === Number.NEGATIVE_INFINITY ? 0 : n;
    for (let i = 0; i < n; i++) {
      const t = time[i];
      const op = ops[i];
      // The warm-up ends at the first request past it: the N+1-th, or the first whose time is past the duration.
      if (firstMeasured > i) {
        if (this.warmupLeft > 0) this.warmupLeft--;
        else if (t >= this.warmupMs) {
          recorder.measuredFrom = Number.NEGATIVE_INFINITY;
          firstMeasured = i;
        }
      }
      recorder.arrival(t, op);
      if (op === OP_GET) {
        recorder.readArrived(t, sizes[i]);
        version[i] = committed[keys[i]];
      } else {
        this.writesSeen = true;
        recorder.dbSubmitted(t, false);
        const key = keys[i];
        const v = ledger.commit(key);
        ledger.acknowledge(key, v, t);
        version[i] = v;
      }
    }
    this.firstMeasured = firstMeasured;
    if (recorder.hasClock) {
      // The width after the whole batch: the recorder has folded every window of it to this one.
      const windowMs = recorder.timeseries.windowMs;
      this.windowMs = windowMs;
      const window = this.window;
      for (let i = 0; i < n; i++) window[i] = Math.floor(time[i] / windowMs);
    }
  }
}

/** What a lane reads of the accounting for each event of the batch (WorkloadAccounting; a miniature lane's sample of it). */
export interface LaneAccounting {
  version: Int32Array;
  window: Int32Array;
  windowMs: number;
  writesSeen: boolean;
  firstMeasured: number;
}

/**
 * The cache-dependent half of a hit-ratio replay, for one cache (or none: the baseline): reads look up
 * and fill on a miss, writes invalidate or update as `invalidation` says. Hits, misses and their bytes
 * past the warm-up are counted here and added to `recorder` after each batch (the time series' hits at
 * `finish()`); stale reads go to it as they happen. Arrivals, read sizes and DB writes are
 * WorkloadAccounting's.
 */
export class HitRatioLane {
  /** Hits per time-series window, at width `windowMs` (folded as the accounting's width grows). */
  private hitsByWindow = new Float64Array(MAX_TIMESERIES_WINDOWS);
  private windowMs = 0;

  constructor(
    readonly cache: CacheTier | null,
    private readonly invalidation: InvalidationSpec,
    readonly recorder: RunRecorder,
  ) {}

  observe(batch: AccessBatch, n: number, accounting: LaneAccounting): void {
    const { cache, recorder, invalidation } = this;
    // Without timing nothing replaces a tier's policy (only a crashed node's local tier is cleared).
    const policy = cache === null ? null : cache.policy;
    if (this.windowMs < accounting.windowMs) this.foldTo(accounting.windowMs);
    const version = accounting.version;
    const window = accounting.window;
    const hitsByWindow = this.hitsByWindow;
    const checkStaleness = accounting.writesSeen;
    const firstMeasured = accounting.firstMeasured;
    const { time, key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    let hits = 0;
    let misses = 0;
    let hitBytes = 0;
    for (let i = 0; i < n; i++) {
      const t = time[i];
      const key = keys[i];
      const op = ops[i];
      if (op === OP_GET) {
        // biome-ignore lint/complexity/useOptionalChain: a plain test and a direct call in the hot loop
        if (policy !== null && policy.get(key, t)) {
          if (i >= firstMeasured) {
            hits++;
            hitBytes += sizes[i];
            hitsByWindow[window[i]]++;
            if (checkStaleness && cache!.versionOf(key) < version[i]) recorder.staleRead(t, t - cache!.staleSinceOf(key));
          }
        } else {
          if (i >= firstMeasured) misses++;
          cache?.fill(key, sizes[i], ttls[i], version[i], Number.POSITIVE_INFINITY, t);
        }
      } else if (cache !== null) {
        cache.writeCommitted(invalidation, op === OP_DELETE, key, sizes[i], ttls[i], version[i], t);
        cache.superseded(key, version[i], t);
      }
    }
    recorder.readOutcomes(hits, misses, hitBytes);
  }

  /** Adds the time series' hits to the recorder (once, at the end of the stream). */
  finish(): void {
    if (this.recorder.hasClock && this.windowMs > 0) this.recorder.timeseries.addHits(this.hitsByWindow, this.windowMs);
  }

  /** Window w at the new width holds the old windows w × fold … (w + 1) × fold − 1 (both widths powers of two apart). */
  private foldTo(windowMs: number): void {
    const column = this.hitsByWindow;
    if (this.windowMs > 0) {
      const fold = windowMs / this.windowMs;
      for (let w = 0; w < column.length; w++) {
        if (column[w] === 0) continue;
        const into = Math.floor(w / fold);
        if (into === w) continue;
        column[into] += column[w];
        column[w] = 0;
      }
    }
    this.windowMs = windowMs;
  }
}
