// `npm run bench:redis`: GET/SET throughput of cachebench's Redis client against a local redis-server,
// next to redis-benchmark on the same server in the same script (issue 5's target: at least 1.5× what
// redis-benchmark reaches with 50 connections and no pipelining).
//
// It starts its own redis-server on a free loopback port (never the shared one), runs
//   redis-benchmark -h 127.0.0.1 -p P -c 50 -n 200000 -t get,set -q
// then cachebench's probe with 50 connections and auto-pipelining for a few seconds, prints both in
// requests/s and their ratio, and stops the server by its PID.
// BENCH_REDIS_SECONDS (default 4) sets the probe's length; BENCH_REDIS_REQUESTS (default 200000) -n.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { probeGetSetThroughput } from '../dist/live/throughput-probe.js';

const HOST = '127.0.0.1';
const CONNECTIONS = 50;
const REQUESTS = Number(process.env.BENCH_REDIS_REQUESTS ?? 200_000);
const SECONDS = Number(process.env.BENCH_REDIS_SECONDS ?? 4);
const TARGET_RATIO = 1.5;

for (const binary of ['redis-server', 'redis-benchmark']) {
  if (spawnSync(binary, ['--version']).status !== 0) {
    console.error(`bench:redis: ${binary} is not installed (apt-get install redis-server redis-tools)`);
    process.exit(1);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer(port, dir) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at startup (code ${child.exitCode})`);
    const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return child;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** redis-benchmark -q prints "SET: 61236.98 requests per second, p50=0.415 msec" (after \r progress lines). */
function redisBenchmark(port) {
  const run = spawnSync(
    'redis-benchmark',
    ['-h', HOST, '-p', String(port), '-c', String(CONNECTIONS), '-n', String(REQUESTS), '-t', 'get,set', '-q'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr || run.stdout}`);
  const rates = {};
  for (const match of run.stdout.matchAll(/(GET|SET): ([\d.]+) requests per second/g)) rates[match[1]] = Number(match[2]);
  if (rates.GET === undefined || rates.SET === undefined) throw new Error(`cannot read redis-benchmark's output:\n${run.stdout}`);
  return rates;
}

const format = (rate) => `${Math.round(rate).toLocaleString('en-US')} requests/s`;

const dir = mkdtempSync(join(tmpdir(), 'cachebench-bench-redis-'));
const port = await freePort();
const server = await startServer(port, dir);
try {
  const url = `redis://${HOST}:${port}/0`;
  console.log(`redis-server ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
  console.log(`on ${HOST}:${port}, ${CONNECTIONS} connections, GET and SET\n`);

  const baseline = redisBenchmark(port);
  // Both commands equally often, as the probe sends them: the harmonic mean is their combined rate.
  const baselineRate = 2 / (1 / baseline.GET + 1 / baseline.SET);
  console.log(`redis-benchmark -c ${CONNECTIONS} -n ${REQUESTS} (no pipelining)`);
  console.log(`  GET ${format(baseline.GET)}, SET ${format(baseline.SET)}; GET+SET ${format(baselineRate)}`);

  const plain = await probeGetSetThroughput({ url, connections: CONNECTIONS, seconds: Math.min(2, SECONDS), pipelining: false });
  console.log(`cachebench probe, ${CONNECTIONS} connections, no pipelining, ${plain.seconds.toFixed(1)} s`);
  console.log(`  GET+SET ${format(plain.requestsPerSecond)} (${plain.errors} errors)`);

  const piped = await probeGetSetThroughput({ url, connections: CONNECTIONS, seconds: SECONDS, pipelining: true });
  console.log(`cachebench probe, ${CONNECTIONS} connections, auto-pipelining, ${piped.seconds.toFixed(1)} s`);
  console.log(`  GET+SET ${format(piped.requestsPerSecond)} (${piped.errors} errors)`);

  const ratio = piped.requestsPerSecond / baselineRate;
  const verdict = ratio >= TARGET_RATIO ? 'meets' : 'misses';
  console.log(`\nratio, auto-pipelined probe / redis-benchmark: ${ratio.toFixed(2)}× (${verdict} the ${TARGET_RATIO}× target)`);
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
