// `npm run bench`: the throughput and memory targets of the core issue, measured on this machine.
//
//  (a) a 10M-request Zipf(1.0) trace over 1M keys, replayed as fast as possible from a canonical CSV
//      file through LRU, FIFO and SIEVE at 100k entries — the whole process, file parsing included;
//  (a') the same workload generated on the fly instead of read from a file;
//  (b) the same workload with full timing simulation (arrivals, cache and DB latency, a pool).
//  (a") the same requests from libCacheSim's binary oracleGeneral file;
//  (p) the patterns issue's target: a two-tier topology on 5 nodes (local LRU in front of the shared
//      tier, 5% writes through write-through + pub/sub invalidation), full timing — above 500k requests/s;
//      next to it the same workload on one tier, the ratio the second tier and the nodes cost.
//  (s) the sweeps issue's target: a matrix of 3 policies (LRU, FIFO, S3-FIFO) × 4 sizes (1k, 10k, 100k,
//      300k entries) over the oracleGeneral file, replayed in one pass (on 1 and on 2 lane threads), beside
//      libCacheSim's figures from the issue (`cachesim … --num-thread 2`: 15.9 s, 3.4 GB; its single
//      binary replay: 4.8M requests/s). bench/libcachesim.js runs the two side by side where libCacheSim is built.
//  (t) a timed matrix: 3 policies × 4 sizes over (b)'s generated workload at BENCH_TIMED_REQUESTS
//      (default 2M) requests, in one pass (the runs' simulations and one baseline fed the same batches, on
//      1 and on 2 threads), beside the same 12 runs alone one after another in one process (bench/run-alone.js),
//      each with its own baseline as before the timed sweep.
//
// BENCH_AGAINST=<another checkout, built> runs every case with that checkout's binary too, alternating,
// BENCH_REPEAT times each (default 1; 3 with BENCH_AGAINST), and prints the spread and the ratio of the
// median wall times (this build ÷ the other): the machine is shared, so only ratios measured side by side
// mean much.
// Each case runs `cachebench run` in a fresh process and reports requests/s and peak RSS. A timed run
// replays its requests twice (with the cache, and the no-cache baseline), so (b) shows both the
// scenario's requests/s and the simulated requests/s.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccessBatch } from '../dist/workload/access-event.js';
import { createWorkload } from '../dist/workload/create-workload.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench', 'data');
const requests = Number(process.env.BENCH_REQUESTS ?? 10_000_000);
const keys = 1_000_000;
const capacity = 100_000;
const policies = (process.env.BENCH_POLICIES ?? 'lru,fifo,sieve').split(',');
mkdirSync(dataDir, { recursive: true });

const zipf = { type: 'zipf', alpha: 1.0 };
const tracePath = join(dataDir, `zipf1.0-${requests}-${keys}.csv`);
if (!existsSync(tracePath)) writeTrace(tracePath);
// The same requests in libCacheSim's binary oracleGeneral format (issue: replay from binary ≥ 5M/s).
const binaryPath = join(dataDir, `zipf1.0-${requests}-${keys}.oracleGeneral.bin`);
if (!existsSync(binaryPath)) {
  const made = spawnSync(process.execPath, [join(root, 'bench', 'generate-oracle-general.js'), String(requests)], {
    stdio: 'inherit',
  });
  if (made.status !== 0) process.exit(1);
}

const cases = [];
for (const policy of policies) {
  cases.push({
    label: `(a) CSV trace, no timing, ${policy}`,
    scenario: { workload: { trace: tracePath, arrival: 'none' }, cache: { policy, capacity } },
  });
}
for (const policy of policies) {
  cases.push({
    label: `(a") oracleGeneral binary, no timing, ${policy}`,
    scenario: { workload: { trace: binaryPath, arrival: 'none' }, cache: { policy, capacity } },
  });
}
for (const policy of policies) {
  cases.push({
    label: `(a') generated, no timing, ${policy}`,
    scenario: { seed: 1, workload: { keys, distribution: zipf, requests }, cache: { policy, capacity } },
  });
}
for (const policy of policies) {
  cases.push({
    label: `(b) generated, full timing, ${policy}`,
    replays: 2,
    scenario: {
      seed: 1,
      workload: { keys, distribution: zipf, requests, rate: '20000/s' },
      database: { latency: { type: 'lognormal', p50: '2ms', p99: '20ms' }, max_concurrency: 200 },
      cache: { policy, capacity, latency: '0.2ms' },
    },
  });
}

const twoTier = (local) => ({
  seed: 1,
  topology: local ? { nodes: 5 } : undefined,
  workload: { keys, distribution: zipf, requests, rate: '20000/s', mix: { get: 0.95, set: 0.05 } },
  database: { latency: { type: 'lognormal', p50: '2ms', p99: '20ms' }, max_concurrency: 200 },
  cache: {
    policy: 'lru',
    capacity,
    latency: '0.2ms',
    ...(local
      ? {
          local: { policy: 'lru', capacity: 10_000, ttl: '30s' },
          pattern: 'write-through',
          invalidation: 'pubsub',
          pubsub: { delay: { type: 'lognormal', p50: '1ms', p99: '10ms' } },
        }
      : { pattern: 'write-through' }),
  },
});
// libCacheSim's figures on the development machine (the sweeps issue; its binary replay: 4.8M requests/s).
const LIBCACHESIM_SWEEP = { wallSeconds: 15.9, peakRss: '3.4 GB' };
const LIBCACHESIM_BINARY_REPLAY_SECONDS = requests / 4.8e6;
for (const c of cases)
  if (c.label.startsWith('(a")')) c.reference = { wallSeconds: LIBCACHESIM_BINARY_REPLAY_SECONDS, target: 0.6 };
const sweep = {
  workload: { trace: binaryPath, arrival: 'none' },
  cache: { policy: 'lru', capacity: 1000 },
  matrix: { 'cache.policy': ['lru', 'fifo', 's3fifo'], 'cache.capacity': [1000, 10_000, 100_000, 300_000] },
};
for (const threads of [1, 2]) {
  cases.push({
    label: `(s) sweep 3 policies × 4 sizes, ${threads} thread${threads === 1 ? '' : 's'}`,
    scenario: sweep,
    args: ['--threads', String(threads)],
    runs: 12,
    reference: { wallSeconds: LIBCACHESIM_SWEEP.wallSeconds, target: 0.4 },
  });
}

const timedRequests = Number(process.env.BENCH_TIMED_REQUESTS ?? 2_000_000);
const timedSweep = {
  seed: 1,
  workload: { keys, distribution: zipf, requests: timedRequests, rate: '20000/s' },
  database: { latency: { type: 'lognormal', p50: '2ms', p99: '20ms' }, max_concurrency: 200 },
  cache: { policy: 'lru', capacity: 1000, latency: '0.2ms' },
  matrix: { 'cache.policy': ['lru', 'fifo', 's3fifo'], 'cache.capacity': [1000, 10_000, 100_000, 300_000] },
};
if ((process.env.BENCH_CASES ?? 'abpst').includes('t')) {
  for (const threads of [1, 2]) {
    cases.push({
      label: `(t) timed sweep 3 × 4, one pass, ${threads} thread${threads === 1 ? '' : 's'}`,
      scenario: timedSweep,
      args: ['--threads', String(threads)],
      runs: 12,
      replays: 13 / 12,
    });
  }
  cases.push({ label: '(t) timed 3 × 4, each run alone in turn', scenario: timedSweep, alone: true, runs: 12, replays: 2 });
}

if ((process.env.BENCH_CASES ?? 'abpst').includes('p')) {
  cases.push({ label: '(p) 5 nodes, local + shared, pub/sub, timed', replays: 2, scenario: twoTier(true) });
  cases.push({ label: '(p) 1 node, shared tier only, timed', replays: 2, scenario: twoTier(false) });
}
const only = process.env.BENCH_CASES;
if (only !== undefined)
  cases.splice(0, cases.length, ...cases.filter((c) => only.split('').some((letter) => c.label.startsWith(`(${letter}`))));

const against = process.env.BENCH_AGAINST;
const repeat = Number(process.env.BENCH_REPEAT ?? (against === undefined ? 1 : 3));
const builds =
  against === undefined
    ? [{ name: 'this', root }]
    : [
        { name: 'this', root },
        { name: 'other', root: against },
      ];

console.log(
  `cachebench bench — ${requests.toLocaleString('en-US')} requests, ${keys.toLocaleString('en-US')} keys, Zipf(1.0), ${capacity.toLocaleString('en-US')} entries`,
);
if (against !== undefined)
  console.log(`side by side with ${against} (other), ${repeat} times each, alternating; load average ${loadAverage()}`);
console.log(
  'case'.padEnd(46),
  'build'.padEnd(6),
  'wall s'.padStart(8),
  'spread'.padStart(13),
  'requests/s'.padStart(12),
  'simulated/s'.padStart(12),
  'peak RSS'.padStart(9),
  'hit rate'.padStart(9),
  '  vs libCacheSim',
);
for (const c of cases) {
  const measured = builds.map(() => []);
  for (let r = 0; r < repeat; r++) for (const [b, build] of builds.entries()) measured[b].push(measure(build.root, c));
  const medians = measured.map((runs) => median(runs.map((m) => m.seconds)));
  for (const [b, build] of builds.entries()) {
    const runs = measured[b];
    const seconds = medians[b];
    const { metrics } = runs[0];
    const perSecond = (metrics.requests * (c.runs ?? 1)) / seconds;
    const walls = runs.map((m) => m.seconds);
    const spread = runs.length > 1 ? `${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}` : '';
    const ref = c.reference;
    // libCacheSim's figures are for the 10M-request trace.
    const vsLibCacheSim =
      ref === undefined || requests !== 10_000_000
        ? ''
        : `  ${(seconds / ref.wallSeconds).toFixed(2)}× of ${ref.wallSeconds.toFixed(2)} s (target ≤ ${ref.target}×)`;
    const ratio = b === 1 ? `  this ÷ other: ${(medians[0] / medians[1]).toFixed(2)}` : '';
    console.log(
      (b === 0 ? c.label : '').padEnd(46),
      build.name.padEnd(6),
      seconds.toFixed(2).padStart(8),
      spread.padStart(13),
      fmt(perSecond).padStart(12),
      fmt(perSecond * (c.replays ?? 1)).padStart(12),
      `${(Math.max(...runs.map((m) => m.rssKb)) / 1024).toFixed(0)} MB`.padStart(9),
      `${(metrics.hit_rate * 100).toFixed(1)}%`.padStart(9),
      vsLibCacheSim + ratio,
    );
  }
  c.seconds = medians[0];
  if (c.alone) {
    // The ratio this case is for: measured in the same run, side by side.
    for (const pass of cases.filter((other) => other.scenario === c.scenario && !other.alone && other.seconds !== undefined))
      console.log(''.padEnd(53), `${pass.label.replace(/^\(t\) timed sweep 3 × 4, /, '')} ÷ alone in turn: ${(pass.seconds / c.seconds).toFixed(2)}`);
  }
  if (c.label.startsWith('(s)'))
    console.log(''.padEnd(53), `libCacheSim (issue): ${LIBCACHESIM_SWEEP.wallSeconds} s, ${LIBCACHESIM_SWEEP.peakRss}`);
}

/** One case in a fresh process of `build`'s binary: wall time, peak RSS, the first run's metrics. */
function measure(buildRoot, c) {
  const file = join(dataDir, 'bench-scenario.json');
  writeFileSync(file, JSON.stringify(c.scenario));
  const out = join(dataDir, 'bench-result.json');
  const started = process.hrtime.bigint();
  const args = c.alone
    ? [join(root, 'bench', 'run-alone.js'), buildRoot, file, out]
    : [join(buildRoot, 'bin', 'cachebench.js'), 'run', file, '--json', out, ...(buildRoot === root ? (c.args ?? []) : [])];
  const child = spawnSync(process.execPath, ['--import', join(root, 'bench', 'peak-rss.js'), ...args], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0 && child.status !== 1) {
    console.error(child.stderr);
    process.exit(1);
  }
  const rssKb = Number(/peak_rss_kb=(\d+)/.exec(child.stderr)?.[1] ?? Number.NaN);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  if (c.runs !== undefined && result.runs.length !== c.runs)
    throw new Error(`${c.label}: ${result.runs.length} runs, expected ${c.runs}`);
  return { seconds, rssKb, metrics: result.runs[0].metrics };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function loadAverage() {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

/** Writes the trace as canonical CSV, from the same generator the synthetic workload uses. */
function writeTrace(path) {
  console.log(`generating ${path} …`);
  const stream = createWorkload(
    {
      kind: 'synthetic',
      keys,
      distribution: zipf,
      requests,
      duration: null,
      arrival: { type: 'constant', rate: 100_000 },
      mix: { get: 1, set: 0, delete: 0 },
      value_size: { type: 'fixed', size: 1024 },
    },
    1,
  );
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  writeSync(fd, 'timestamp,key,op,size\n');
  const batch = new AccessBatch(8192);
  for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
    let text = '';
    for (let i = 0; i < n; i++) text += `${batch.time[i]},${batch.key[i]},get,${batch.size[i]}\n`;
    writeSync(fd, text);
  }
  closeSync(fd);
  renameSync(partial, path);
}
