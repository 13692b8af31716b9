import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { cachebench, startCachebench } from './support/cachebench-process.js';
import { liveScenario, parseResult, uniquePrefix } from './support/live-scenario.js';
import { connectOnce, RedisClusterProcesses, redisSkipReason, requireRedis, scanKeys } from './support/redis-server.js';

// `mode: live` against a Redis Cluster of three masters (no replicas) that this test builds with
// `redis-cli --cluster create` on free loopback ports, and stops by PID.
const skip = redisSkipReason({ cli: true });

describe('cachebench run, mode: live, against a 3-master Redis Cluster', { skip }, () => {
  let cluster: RedisClusterProcesses | null = null;

  before(async () => {
    requireRedis({ cli: true });
    cluster = await RedisClusterProcesses.start(3);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs, spreads its keys over every master, and leaves no key under its prefix on any node', async () => {
    const nodes = cluster!.nodes;
    const prefix = uniquePrefix('cluster');
    const r = await startCachebench([
      'run',
      liveScenario({ name: 'cluster', redis: { cluster: cluster!.urls, prefix } }),
      '--json',
      '-',
    ]).finished;
    assert.equal(r.code, 0, r.stderr);
    const metrics = parseResult(r.stdout, r.stderr).runs[0].metrics;
    assert.ok(metrics.reads >= 300, `reads: ${metrics.reads}`);
    assert.ok(metrics.hits > 0, `hits: ${metrics.hits}`);
    for (const node of nodes) {
      const client = connectOnce(node.port);
      await client.connect();
      try {
        assert.match(await client.info('commandstats'), /cmdstat_get:calls=[1-9]/, `node ${node.port} served reads`);
        assert.deepEqual(await scanKeys(client, `${prefix}*`), [], `node ${node.port}`);
      } finally {
        client.disconnect();
      }
    }
  });

  it('with 2 worker threads: each opens its own cluster clients; every request is issued once and no key is left', async () => {
    const prefix = uniquePrefix('cluster-workers');
    const r = await startCachebench([
      'run',
      liveScenario({ name: 'cluster-workers', redis: { cluster: cluster!.urls, prefix }, workload: { workers: 2 } }),
      '--json',
      '-',
    ]).finished;
    assert.equal(r.code, 0, r.stderr);
    const metrics = parseResult(r.stdout, r.stderr).runs[0].metrics;
    assert.equal(metrics.live.workers, 2);
    assert.equal(metrics.requests, 600);
    assert.ok(metrics.hits > 0, `hits: ${metrics.hits}`);
    for (const node of cluster!.nodes) {
      const client = connectOnce(node.port);
      await client.connect();
      try {
        assert.deepEqual(await scanKeys(client, `${prefix}*`), [], `node ${node.port}`);
      } finally {
        client.disconnect();
      }
    }
  });

  it('cachebench cleanup given one node deletes the prefix’s keys on every master, and no other key', async () => {
    const prefix = uniquePrefix('cluster-cleanup');
    const client = new Cluster(cluster!.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
    try {
      for (let i = 0; i < 300; i++) await client.set(`${prefix}k${i}`, 'x');
      for (let i = 0; i < 30; i++) await client.set(`user:${i}`, 'mine');
      const perNode = async (pattern: string) => {
        const counts: number[] = [];
        for (const node of cluster!.nodes) {
          const one = connectOnce(node.port);
          await one.connect();
          counts.push((await scanKeys(one, pattern)).length);
          one.disconnect();
        }
        return counts;
      };
      assert.ok((await perNode(`${prefix}*`)).every((count) => count > 0), 'the keys are spread over every master');
      const r = cachebench(['cleanup', '--redis', cluster!.urls[1], '--prefix', prefix]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `deleted 300 keys under ${prefix} on the cluster of ${cluster!.urls[1]} (3 masters)\n`);
      assert.deepEqual(await perNode(`${prefix}*`), [0, 0, 0]);
      assert.equal((await perNode('user:*')).reduce((a, b) => a + b, 0), 30);
    } finally {
      for (let i = 0; i < 30; i++) await client.del(`user:${i}`);
      client.disconnect();
    }
  });
});
