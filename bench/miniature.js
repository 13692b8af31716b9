// Miniature simulation against the exact sweep (the sweeps issue, item 2): for LRU, FIFO, S3-FIFO, ARC, 2Q
// and SIEVE at 10 log-spaced sizes (1% of the distinct keys to all of them), `cachebench analyze --policies …`
// replays every policy and size exactly in one pass, and `… --sample-rate R` estimates the same points by
// miniature simulation. Reported per trace: the mean absolute error (and the largest) of the hit rate per
// policy, and the time of both, as the replay stage alone (timings_ms.replay) and as the whole process.
// Targets: MAE ≤ 0.01 per policy, ≥ 20× less time.
//
// Traces: the benchmark's 10M-request oracleGeneral file (bench/generate-oracle-general.js writes it; 1%
// sampled, or BENCH_MINIATURE_RATE) and, when it is there, the CloudPhysics trace given as BENCH_CLOUDPHYSICS=<csv> (10% sampled:
// 49k keys, so 1% would sample fewer than 500).
//
//   npm run build && node bench/miniature.js
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const policies = ['lru', 'fifo', 's3fifo', 'arc', 'twoq', 'sieve'];
const out = join(root, 'bench', 'data', 'bench-miniature.json');

const benchTrace = join(root, 'bench', 'data', 'zipf1.0-10000000-1000000.oracleGeneral.bin');
if (!existsSync(benchTrace)) {
  const made = spawnSync(process.execPath, [join(root, 'bench', 'generate-oracle-general.js')], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}
// BENCH_MINIATURE_RATE: the bench trace's sampling rate (default 1%).
const traces = [{ label: 'bench 10M Zipf(1.0), oracleGeneral', path: benchTrace, rate: Number(process.env.BENCH_MINIATURE_RATE ?? 0.01) }];
const cloudphysics = process.env.BENCH_CLOUDPHYSICS;
if (cloudphysics !== undefined && existsSync(cloudphysics)) traces.push({ label: 'CloudPhysics', path: cloudphysics, rate: 0.1 });

function analyze(trace, args) {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [join(root, 'bin', 'cachebench.js'), 'analyze', trace, '--no-belady', '--policies', policies.join(','), '--json', out, ...args],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  return { seconds, result: JSON.parse(readFileSync(out, 'utf8')) };
}

/** 10 entry sizes, log-spaced from 1% of the distinct keys to all of them. */
function sizesFor(distinctKeys) {
  const from = Math.log10(distinctKeys / 100);
  const to = Math.log10(distinctKeys);
  return Array.from({ length: 10 }, (_, i) => Math.round(10 ** (from + ((to - from) * i) / 9)));
}

for (const trace of traces) {
  const probe = analyze(trace.path, ['--sizes', '10']);
  const sizes = sizesFor(probe.result.stats.distinct_keys);
  const exact = analyze(trace.path, ['--sizes', sizes.join(',')]);
  const approx = analyze(trace.path, ['--sizes', sizes.join(','), '--sample-rate', String(trace.rate)]);
  console.log(`${trace.label}: ${exact.result.stats.requests.toLocaleString('en-US')} requests, sizes ${sizes.join(', ')}, sample rate ${trace.rate}`);
  console.log('policy'.padEnd(8), 'MAE'.padStart(7), 'max err'.padStart(8), 'target'.padStart(7));
  for (const policy of policies) {
    const curve = approx.result.approximate.find((c) => c.policy === policy);
    let sum = 0;
    let max = 0;
    for (const size of sizes) {
      const truth = exact.result.simulated.find((p) => p.policy === policy && p.size === size).hit_rate;
      const estimate = curve.points.find((p) => p.size === size).hit_rate;
      sum += Math.abs(truth - estimate);
      max = Math.max(max, Math.abs(truth - estimate));
    }
    const mae = sum / sizes.length;
    console.log(policy.padEnd(8), mae.toFixed(4).padStart(7), max.toFixed(4).padStart(8), (mae <= 0.01 ? 'met' : 'MISSED').padStart(7));
  }
  const stage = exact.result.timings_ms.replay / approx.result.timings_ms.replay;
  const whole = exact.seconds / approx.seconds;
  console.log(
    `time: replay stage exact ${(exact.result.timings_ms.replay / 1000).toFixed(2)} s vs miniature ` +
      `${(approx.result.timings_ms.replay / 1000).toFixed(2)} s = ${stage.toFixed(1)}× less (target ≥ 20×: ${stage >= 20 ? 'met' : 'MISSED'}); ` +
      `whole process ${exact.seconds.toFixed(2)} s vs ${approx.seconds.toFixed(2)} s = ${whole.toFixed(1)}×\n`,
  );
}
