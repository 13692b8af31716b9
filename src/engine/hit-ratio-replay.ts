import type { RunRecorder } from '../metrics/run-recorder.js';
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
 */
export function replayHitRatio(setup: HitRatioReplaySetup): void {
  const replay = new HitRatioReplay(setup);
  while (!replay.step(Number.POSITIVE_INFINITY));
}

/** The same replay in steps, for a driver that must stay responsive between them (Ctrl-C). */
export class HitRatioReplay {
  private readonly ledger = new VersionLedger();
  private readonly batch = new AccessBatch(8192);
  private finished = false;
  // Every request is recorded in its own iteration, so the warm-up ends at the first request past it:
  // the N+1-th, or the first whose timestamp is past the duration (an untimed synthetic workload's are all 0).
  private warmupLeft: number;
  private readonly warmupMs: number;
  private written = false;

  constructor(private readonly setup: HitRatioReplaySetup) {
    this.warmupLeft = setup.warmup?.kind === 'requests' ? setup.warmup.requests : 0;
    this.warmupMs = setup.warmup?.kind === 'duration' ? setup.warmup.ms : Number.NEGATIVE_INFINITY;
    if (this.warmupLeft > 0 || this.warmupMs > Number.NEGATIVE_INFINITY) setup.recorder.measuredFrom = Number.POSITIVE_INFINITY;
  }

  /** Replays up to `batches` batches; true once the stream has ended. */
  step(batches: number): boolean {
    if (this.finished) return true;
    const { stream, cache, invalidation, recorder } = this.setup;
    const ledger = this.ledger;
    const batch = this.batch;
    const warmupMs = this.warmupMs;
    let warmupLeft = this.warmupLeft;
    let written = this.written;
    for (let b = 0; b < batches; b++) {
      const n = stream.next(batch);
      if (n === 0) {
        this.finished = true;
        return true;
      }
      ledger.ensureKeySpace(stream.keySpace);
      const { time, key: keys, op: ops, size: sizes, ttl: ttls } = batch;
      for (let i = 0; i < n; i++) {
        const t = time[i];
        const key = keys[i];
        const op = ops[i];
        if (warmupLeft > 0) warmupLeft--;
        else if (t >= warmupMs && recorder.measuredFrom === Number.POSITIVE_INFINITY) recorder.measuredFrom = Number.NEGATIVE_INFINITY;
        recorder.arrival(t, op);
        if (op === OP_GET) {
          // biome-ignore lint/complexity/useOptionalChain: the explicit test narrows `cache` in the branch below
          const hit = cache !== null && cache.policy.get(key, t);
          recorder.readOutcome(t, hit, sizes[i]);
          if (hit) {
            if (written && cache.versionOf(key) < ledger.acknowledged[key]) {
              recorder.staleRead(t, t - cache.staleSinceOf(key));
            }
          } else {
            recorder.dbSubmitted(t, true);
            recorder.fetchStarted(1);
            cache?.fill(key, sizes[i], ttls[i], ledger.committed[key], Number.POSITIVE_INFINITY, t);
          }
        } else {
          written = true;
          recorder.dbSubmitted(t, false);
          const version = ledger.commit(key);
          cache?.writeCommitted(invalidation, op === OP_DELETE, key, sizes[i], ttls[i], version, t);
          ledger.acknowledge(key, version, t);
          cache?.superseded(key, version, t);
        }
      }
      this.warmupLeft = warmupLeft;
      this.written = written;
    }
    return false;
  }
}
