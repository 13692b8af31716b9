import type { RunRecorder } from '../metrics/run-recorder.js';
import type { InvalidationSpec } from '../scenario/scenario.js';
import { AccessBatch, type AccessStream, OP_DELETE, OP_GET } from '../workload/access-event.js';
import type { CacheTier } from './cache-tier.js';
import { VersionLedger } from './version-ledger.js';

export interface HitRatioReplaySetup {
  stream: AccessStream;
  /** null: the no-cache baseline. */
  cache: CacheTier | null;
  invalidation: InvalidationSpec;
  recorder: RunRecorder;
}

/**
 * A replay without timing ("as fast as possible"): every request completes at its own timestamp, so
 * there is no latency, queueing or herd, only what the cache holds. Event times still drive TTL expiry
 * and staleness ages when the workload has a clock (a trace's timestamps). This is the loop the
 * throughput targets are about: a lookup, a fill on a miss, nothing allocated per request.
 */
export function replayHitRatio(setup: HitRatioReplaySetup): void {
  const { stream, cache, invalidation, recorder } = setup;
  const ledger = new VersionLedger();
  const batch = new AccessBatch(8192);
  for (;;) {
    const n = stream.next(batch);
    if (n === 0) break;
    ledger.ensureKeySpace(stream.keySpace);
    const { time, key: keys, op: ops, size: sizes, ttl: ttls } = batch;
    for (let i = 0; i < n; i++) {
      const t = time[i];
      const key = keys[i];
      const op = ops[i];
      recorder.arrival(t, op);
      if (op === OP_GET) {
        // biome-ignore lint/complexity/useOptionalChain: the explicit test narrows `cache` in the branch below
        const hit = cache !== null && cache.policy.get(key, t);
        recorder.readOutcome(t, hit, sizes[i]);
        if (hit) {
          if (recorder.writes + recorder.deletes > 0 && cache.versionOf(key) < ledger.acknowledged[key]) {
            recorder.staleRead(t, t - cache.staleSinceOf(key));
          }
        } else {
          recorder.dbSubmitted(t, true);
          recorder.fetchStarted(1);
          cache?.fill(key, sizes[i], ttls[i], ledger.committed[key], Number.POSITIVE_INFINITY, t);
        }
      } else {
        recorder.dbSubmitted(t, false);
        const version = ledger.commit(key);
        cache?.writeCommitted(invalidation, op === OP_DELETE, key, sizes[i], ttls[i], version, t);
        ledger.acknowledge(key, version, t);
        cache?.superseded(key, version, t);
      }
    }
  }
}
