// `cachebench analyze` on the 10M-request Zipf(1.0) trace over 1M keys (bench/data, written by bench/run.js):
//
//  (c) the exact LRU miss-ratio curve, whole process (target: under 8 s; libCacheSim's exact stack-distance
//      tool takes 8.5 s on this machine);
//  (d) SHARDS fixed-rate at 1% (target: at least 10× faster than exact) and fixed-size at 8k keys, with
//      their mean absolute error against the exact curve at 76 evenly spaced sizes (10k, 20k, … 760k
//      entries: the SHARDS paper's way of measuring it) and at log-spaced sizes from 100 entries;
//  (e) the default analysis (curve, Belady at 10 … 100k entries), for reference.
//
// Each case runs the real binary in a fresh process; "stage" is the time spent building the curve alone
// (timings_ms.mrc in the JSON), "whole" includes starting Node, parsing the CSV and the characterisation.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const trace = join(root, 'bench', 'data', 'zipf1.0-10000000-1000000.csv');
if (!existsSync(trace)) {
  console.error(`${trace} is missing: run \`npm run bench\` once (bench/run.js writes it)`);
  process.exit(1);
}
const out = join(root, 'bench', 'data', 'bench-analysis.json');
const evenSizes = Array.from({ length: 76 }, (_, k) => (k + 1) * 10_000);
const logSizes = Array.from({ length: 4 * 24 + 1 }, (_, i) => Math.round(10 ** (2 + i / 24))).filter((s) => s <= 760_000);
const sizes = [...new Set([...evenSizes, ...logSizes])].sort((a, b) => a - b).join(',');

function analyze(label, args) {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      join(root, 'bench', 'peak-rss.js'),
      join(root, 'bin', 'cachebench.js'),
      'analyze',
      trace,
      '--json',
      out,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  const rssKb = Number(/peak_rss_kb=(\d+)/.exec(child.stderr)?.[1] ?? Number.NaN);
  return { label, seconds, rssKb, result: JSON.parse(readFileSync(out, 'utf8')) };
}

function meanAbsoluteError(exact, estimate, chosen) {
  const rate = (result, size) => result.mrc.at_sizes.find((s) => s.size === size).hit_rate;
  let sum = 0;
  for (const size of chosen) sum += Math.abs(rate(exact, size) - rate(estimate, size));
  return sum / chosen.length;
}

const exact = analyze('(c) exact LRU curve', ['--exact', '--no-belady', '--sizes', sizes]);
const cases = [
  exact,
  analyze('(d) SHARDS fixed-rate 1%', ['--sample-rate', '0.01', '--no-belady', '--sizes', sizes]),
  analyze('(d) SHARDS fixed-size 8k keys', ['--sample-size', '8k', '--no-belady', '--sizes', sizes]),
  analyze('(e) default (exact + Belady)', []),
];

console.log('cachebench analyze — 10,000,000 requests, 1,000,000 keys, Zipf(1.0)');
console.log(
  'case'.padEnd(34),
  'whole s'.padStart(8),
  'stage s'.padStart(8),
  'speedup'.padStart(8),
  'MAE even'.padStart(9),
  'MAE log'.padStart(8),
  'peak RSS'.padStart(9),
);
const exactStage = exact.result.timings_ms.mrc / 1000;
for (const c of cases) {
  const stage = c.result.timings_ms.mrc / 1000;
  const comparable = c.result.mrc.at_sizes.length === exact.result.mrc.at_sizes.length;
  console.log(
    c.label.padEnd(34),
    c.seconds.toFixed(2).padStart(8),
    stage.toFixed(2).padStart(8),
    `${(exactStage / stage).toFixed(1)}×`.padStart(8),
    (comparable ? meanAbsoluteError(exact.result, c.result, evenSizes).toFixed(4) : '–').padStart(9),
    (comparable ? meanAbsoluteError(exact.result, c.result, logSizes).toFixed(4) : '–').padStart(8),
    `${(c.rssKb / 1024).toFixed(0)} MB`.padStart(9),
  );
}
const target = exact.seconds < 8 ? 'met' : 'MISSED';
console.log(`exact curve whole process ${exact.seconds.toFixed(2)} s (target < 8 s: ${target})`);
