// `node bench/redis-memory.js` (after `npm run build`): the measurement behind `memory_model: redis`'s
// defaults (docs/scenario-reference.md, "Redis memory"). It starts its own redis-server on a free
// loopback port (never the shared one), and for key names of 10 to 44 bytes × values of 10 bytes to 10 KB
// × with and without a TTL it FLUSHALLs, SETs 4,000 keys (PX 10 min with a TTL), reads every key once
// (which finishes any incremental rehash), after one pass that is not counted (the client's buffers and the
// server's first allocations grow then), and sets the growth of used_memory per key beside what the
// charge (src/engine/redis-memory-charge.ts, with entry_bytes and expires_bytes at the defaults) says.
// It prints the largest difference, the server's version and allocator, and the baseline: used_memory of
// the freshly started server with this one client connected. Then it stops the server by its PID.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisMemoryCharge } from '../dist/engine/redis-memory-charge.js';
import { SCENARIO_DEFAULTS } from '../dist/scenario/defaults.js';

const HOST = '127.0.0.1';
const KEYS = 4000;
const KEY_LENGTHS = [10, 20, 30, 31, 32, 40, 44];
const VALUE_SIZES = [10, 40, 44, 45, 100, 200, 253, 256, 1000, 1024, 4000, 10_000];

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('bench/redis-memory: redis-server is not installed (apt-get install redis-server)');
  process.exit(1);
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

async function connected(port, child) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at startup (code ${child.exitCode})`);
    const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch {
      client.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function info(client, field) {
  const text = `${await client.info('server')}\n${await client.info('memory')}`;
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

const keyName = (i, length) => String(i).padStart(length, 'k');

async function growthPerKey(client, keyLength, valueSize, ttl) {
  await client.flushall();
  const before = Number(await info(client, 'used_memory'));
  const value = `1:${'x'.repeat(valueSize - 2)}`;
  for (let i = 0; i < KEYS; i += 100) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(KEYS, i + 100); j++) {
      if (ttl) pipeline.set(keyName(j, keyLength), value, 'PX', 600_000);
      else pipeline.set(keyName(j, keyLength), value);
    }
    await pipeline.exec();
  }
  for (let i = 0; i < KEYS; i += 100) {
    const pipeline = client.pipeline();
    for (let j = i; j < Math.min(KEYS, i + 100); j++) pipeline.exists(keyName(j, keyLength));
    await pipeline.exec();
  }
  return (Number(await info(client, 'used_memory')) - before) / KEYS;
}

const dir = mkdtempSync(join(tmpdir(), 'cachebench-redis-memory-'));
const port = await freePort();
const child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
  stdio: 'ignore',
});
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
try {
  const client = await connected(port, child);
  const baseline = Number(/^used_memory:(\d+)/m.exec(await client.info('memory'))[1]);
  // The first pass also grows the client's buffers and the server's first tables: measured, not counted.
  await growthPerKey(client, KEY_LENGTHS[0], VALUE_SIZES[0], false);
  const defaults = SCENARIO_DEFAULTS.redisMemory;
  let worst = { difference: 0 };
  for (const keyLength of KEY_LENGTHS) {
    const charge = new RedisMemoryCharge({ ...defaults, key_bytes: keyLength });
    for (const valueSize of VALUE_SIZES) {
      for (const ttl of [false, true]) {
        const measured = await growthPerKey(client, keyLength, valueSize, ttl);
        const charged = charge.bytes(valueSize, ttl);
        if (Math.abs(measured - charged) > Math.abs(worst.difference)) worst = { keyLength, valueSize, ttl, measured, charged, difference: measured - charged };
      }
    }
  }
  const cases = KEY_LENGTHS.length * VALUE_SIZES.length * 2;
  console.log(`redis-server ${await info(client, 'redis_version')}, ${await info(client, 'mem_allocator')}`);
  console.log(`baseline: used_memory ${baseline} bytes on the fresh server with one client (default ${defaults.baseline})`);
  console.log(`${cases} cases (${KEYS} keys each): the largest difference between used_memory's growth per key and the charge is ${worst.difference.toFixed(2)} bytes`);
  if (worst.keyLength !== undefined) {
    console.log(`  at a ${worst.keyLength}-byte key, a ${worst.valueSize}-byte value, ${worst.ttl ? 'with' : 'without'} a TTL: measured ${worst.measured.toFixed(2)}, charged ${worst.charged}`);
  }
  client.disconnect();
} finally {
  process.kill(child.pid, 'SIGKILL');
}
