// The sweeps issue's comparison, side by side with libCacheSim for whoever has it built:
//
//   npm run build && node bench/libcachesim.js /path/to/libCacheSim/_build/bin/cachesim [repeats]
//
// Both replay the 10M-request Zipf(1.0) trace in oracleGeneral format (bench/data, written by
// bench/generate-oracle-general.js when missing) through LRU, FIFO and S3-FIFO at 1k, 10k, 100k and 300k
// entries, on 2 threads: libCacheSim's `cachesim <trace> oracleGeneral lru,fifo,s3fifo
// 1000,10000,100000,300000 --ignore-obj-size 1 --num-thread 2`, and `cachebench run` of the same matrix with
// `--threads 2` (and with its default thread count). Each is run `repeats` times (default 3), alternating;
// the table shows the median wall time, the spread, peak RSS (from /usr/bin/time, when present) and the
// ratio to libCacheSim's median, and checks that the 12 miss ratios agree to the 4 decimals libCacheSim prints.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cachesim = process.argv[2];
const repeats = Number(process.argv[3] ?? 3);
if (cachesim === undefined || !existsSync(cachesim)) {
  console.error("usage: node bench/libcachesim.js <path to libCacheSim's cachesim binary> [repeats]");
  process.exit(2);
}
const requests = 10_000_000;
const dataDir = join(root, 'bench', 'data');
mkdirSync(dataDir, { recursive: true });
const trace = join(dataDir, `zipf1.0-${requests}-1000000.oracleGeneral.bin`);
if (!existsSync(trace)) {
  const made = spawnSync(process.execPath, [join(root, 'bench', 'generate-oracle-general.js'), String(requests)], {
    stdio: 'inherit',
  });
  if (made.status !== 0) process.exit(1);
}
const policies = ['lru', 'fifo', 's3fifo'];
const sizes = [1000, 10_000, 100_000, 300_000];
const scenarioFile = join(dataDir, 'bench-sweep-scenario.json');
writeFileSync(
  scenarioFile,
  JSON.stringify({
    workload: { trace, arrival: 'none' },
    cache: { policy: 'lru', capacity: sizes[0] },
    matrix: { 'cache.policy': policies, 'cache.capacity': sizes },
  }),
);
const resultFile = join(dataDir, 'bench-sweep-result.json');
const timeBinary = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const contenders = [
  {
    name: 'libCacheSim, 2 threads',
    command: [
      cachesim,
      trace,
      'oracleGeneral',
      policies.join(','),
      sizes.join(','),
      '--ignore-obj-size',
      '1',
      '--num-thread',
      '2',
    ],
    missRatios: (stdout) => libCacheSimMissRatios(stdout),
  },
  {
    name: 'cachebench, 2 threads',
    command: [process.execPath, join(root, 'bin', 'cachebench.js'), 'run', scenarioFile, '--threads', '2', '--json', resultFile],
    missRatios: () => cachebenchMissRatios(),
  },
  {
    name: 'cachebench, default threads',
    command: [process.execPath, join(root, 'bin', 'cachebench.js'), 'run', scenarioFile, '--json', resultFile],
    missRatios: () => cachebenchMissRatios(),
  },
];

console.log(
  `${requests.toLocaleString('en-US')} requests, ${policies.join(', ')} × ${sizes.join(', ')} entries; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const measured = contenders.map(() => []);
const ratios = contenders.map(() => null);
for (let r = 0; r < repeats; r++) {
  for (const [c, contender] of contenders.entries()) {
    const { seconds, rssKb, stdout } = timed(contender.command);
    measured[c].push({ seconds, rssKb });
    ratios[c] = contender.missRatios(stdout);
  }
}
const medians = measured.map((runs) => median(runs.map((m) => m.seconds)));
console.log(
  'contender'.padEnd(30),
  'wall s'.padStart(8),
  'spread'.padStart(14),
  'peak RSS'.padStart(10),
  'vs libCacheSim'.padStart(15),
);
for (const [c, contender] of contenders.entries()) {
  const walls = measured[c].map((m) => m.seconds);
  const rss = Math.max(...measured[c].map((m) => m.rssKb));
  console.log(
    contender.name.padEnd(30),
    medians[c].toFixed(2).padStart(8),
    `${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}`.padStart(14),
    (Number.isFinite(rss) ? `${(rss / 1024).toFixed(0)} MB` : 'n/a').padStart(10),
    `${(medians[c] / medians[0]).toFixed(2)}×`.padStart(15),
  );
}
let disagreements = 0;
for (const policy of policies) {
  for (const size of sizes) {
    const cell = `${policy}@${size}`;
    const reference = ratios[0].get(cell);
    const ours = ratios[1].get(cell);
    if (reference === undefined || ours === undefined || Math.abs(reference - ours) > 0.00005) {
      disagreements++;
      console.log(`miss ratio of ${cell}: libCacheSim ${reference ?? '?'}, cachebench ${ours?.toFixed(4) ?? '?'}`);
    }
  }
}
console.log(disagreements === 0 ? 'the 12 miss ratios agree' : `${disagreements} of 12 miss ratios differ`);

/** Runs a command to the end: its wall time, its peak RSS (kB; NaN without /usr/bin/time), its stdout. */
function timed(command) {
  const [file, ...args] = timeBinary === null ? command : [timeBinary, '-f', 'peak_rss_kb=%M', ...command];
  const started = process.hrtime.bigint();
  const child = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0 && child.status !== 1) {
    console.error(`${command.join(' ')} failed:\n${child.stderr}`);
    process.exit(1);
  }
  const rssKb = Number(/peak_rss_kb=(\d+)/.exec(child.stderr)?.[1] ?? Number.NaN);
  return { seconds, rssKb, stdout: child.stdout };
}

/** libCacheSim prints a line per cache: `… LRU cache size 1000, 10000000 req, miss ratio 0.5968, …`. */
function libCacheSimMissRatios(stdout) {
  const ratios = new Map();
  for (const match of stdout.matchAll(/(\S+)\s+cache size\s+(\d+)\S*,\s*\d+ req, miss ratio ([\d.]+)/g)) {
    // Names carry their parameters after a dash (`S3FIFO-0.1000-2`).
    ratios.set(`${match[1].split('-')[0].toLowerCase()}@${match[2]}`, Number(match[3]));
  }
  return ratios;
}

function cachebenchMissRatios() {
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  const ratios = new Map();
  for (const run of result.runs)
    ratios.set(`${run.params['cache.policy']}@${run.params['cache.capacity']}`, 1 - run.metrics.hit_rate);
  return ratios;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
