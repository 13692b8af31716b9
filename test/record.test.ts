import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { main } from '../src/cli/main.js';
import { AccessBatch, OP_DELETE, OP_GET, OP_SET } from '../src/workload/access-event.js';
import { openTraceReader } from '../src/workload/trace/trace-reader.js';
import { assertNoStack, startCachebench } from './support/cachebench-process.js';
import { captureTerminal } from './support/capture-terminal.js';
import { freePort, RedisServerProcess, redisSkipReason, requireRedis } from './support/redis-server.js';

// These tests start their own redis-server on a free loopback port and stop it by its PID; they never touch
// a server they did not start. Without the binary they are skipped with the reason — except under CI=true,
// where a missing server is a failure.
const skip = redisSkipReason();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachebench-record-'));


describe('cachebench record', { skip }, () => {
  let server: RedisServerProcess | null = null;
  let port = 0;

  before(async () => {
    requireRedis();
    server = await RedisServerProcess.start();
    port = server.port;
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('captures gets, sets with sizes and TTLs, multi-key commands and deletes into a canonical CSV the reader replays', async () => {
    const out = path.join(dir, 'trace.csv');
    const terminal = captureTerminal();
    const recording = main(['record', '--redis', `redis://127.0.0.1:${port}`, '--duration', '1500ms', '--out', out], terminal);
    const client = new Redis({ port, host: '127.0.0.1' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await client.set('user:1', 'hello', 'EX', 60);
    await client.get('user:1');
    await client.mget('user:1', 'user:2');
    await client.set('odd,"key"', 'v');
    await client.hset('h', 'f', 'value');
    await client.ping();
    await client.del('user:1', 'h');
    client.disconnect();
    assert.equal(await recording, 0, terminal.err);

    assert.match(terminal.err, /warning: MONITOR .* can halve throughput/);
    assert.match(terminal.out, /recorded 8 requests \(3 gets, 3 sets, 2 deletes\) over 4 keys/);
    assert.match(terminal.out, /skipped \d+ commands that are no cache access: .*ping 1/);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'timestamp,key,op,size,ttl');
    const rows = lines.slice(1).map((line) => line.replace(/^[\d.]+,/, ''));
    assert.deepEqual(rows, [
      'user:1,set,5,60000',
      'user:1,get,5,',
      'user:1,get,5,',
      'user:2,get,,',
      '"odd,""key""",set,1,',
      'h,set,,',
      'user:1,delete,,',
      'h,delete,,',
    ]);
    const times = lines.slice(1).map((line) => Number(line.split(',')[0]));
    assert.ok(
      times.every((t, i) => t >= 0 && (i === 0 || t >= times[i - 1])),
      `timestamps from 0, non-decreasing: ${times}`,
    );

    const reader = openTraceReader(out, 'auto');
    const batch = new AccessBatch(64);
    const n = reader.read(batch, 64);
    assert.equal(n, 8);
    assert.deepEqual([...batch.op.subarray(0, n)], [OP_SET, OP_GET, OP_GET, OP_GET, OP_SET, OP_SET, OP_DELETE, OP_DELETE]);
    assert.equal(reader.keyName(batch.key[4]), 'odd,"key"');
    reader.close();
  });

  it('--hash-keys replaces keys by a salted hash, the same for the same salt; --prefix keeps matching keys only', async () => {
    const salt = '00112233445566778899aabbccddeeff';
    const record = async (name: string) => {
      const out = path.join(dir, name);
      const terminal = captureTerminal();
      const recording = main(
        [
          'record',
          '--redis',
          `redis://127.0.0.1:${port}`,
          '--duration',
          '900ms',
          '--out',
          out,
          '--hash-keys',
          '--hash-salt',
          salt,
          '--prefix',
          'user:',
        ],
        terminal,
      );
      const client = new Redis({ port, host: '127.0.0.1' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await client.get('user:secret');
      await client.get('other');
      client.disconnect();
      assert.equal(await recording, 0, terminal.err);
      assert.match(terminal.out, new RegExp(`keys are hashed with salt ${salt}`));
      assert.match(terminal.out, /left out 1 accesses to keys outside the prefix/);
      return fs
        .readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[1]);
    };
    const first = await record('hashed-1.csv');
    const second = await record('hashed-2.csv');
    assert.equal(first.length, 1);
    assert.match(first[0], /^[0-9a-f]{16}$/);
    assert.notEqual(first[0], 'user:secret');
    assert.deepEqual(second, first);
  });

  it('records a server that is busy with other clients, five times in a row: every recording ends at --duration with exit 0 and holds the commands', async () => {
    // A writer hammering the server in pipelines of 100 for the whole test; ioredis's MONITOR mode lost
    // track of its command queue under such traffic about every second time ("Command queue state error").
    const writer = new Redis({ port, host: '127.0.0.1' });
    let writing = true;
    let batches = 0;
    const hammer = (async () => {
      while (writing) {
        const pipeline = writer.pipeline();
        for (let i = 0; i < 100; i++) pipeline.set(`busy:${i}`, 'x'.repeat(i)).get(`busy:${(i * 7) % 100}`);
        await pipeline.exec();
        batches++;
      }
    })();
    try {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const out = path.join(dir, `busy-${attempt}.csv`);
        const terminal = captureTerminal();
        const before = batches;
        const code = await main(['record', '--redis', `redis://127.0.0.1:${port}`, '--duration', '600ms', '--out', out], terminal);
        assert.equal(code, 0, `attempt ${attempt}: ${terminal.err}`);
        assert.ok(batches > before, `attempt ${attempt}: the writer kept writing during the recording`);
        const rows = fs.readFileSync(out, 'utf8').trim().split('\n').slice(1);
        assert.ok(rows.length >= 100, `attempt ${attempt}: ${rows.length} requests recorded`);
        assert.ok(rows.some((row) => /^[\d.]+,busy:\d+,set,\d+,$/.test(row)), `attempt ${attempt}: sets recorded`);
        assert.ok(rows.some((row) => /^[\d.]+,busy:\d+,get,/.test(row)), `attempt ${attempt}: gets recorded`);
        assert.match(terminal.out, /recorded [\d,]+ requests/);
      }
    } finally {
      writing = false;
      await hammer;
      writer.disconnect();
    }
  });

  it('its own connection does the handshake: a database the server does not have is exit 3 with Redis’s reason', async () => {
    const out = path.join(dir, 'db99.csv');
    const terminal = captureTerminal();
    const code = await main(['record', '--redis', `redis://127.0.0.1:${port}/99`, '--duration', '10s', '--out', out], terminal);
    assert.equal(code, 3, terminal.err);
    assert.match(terminal.err, /refused SELECT 99: ERR DB index is out of range/);
    assert.equal(fs.existsSync(out), false, 'no empty trace left behind');
  });

  it('an unreachable Redis is exit 3 with a clear message, within the connect timeout, without the password', async () => {
    const unused = await freePort();
    const out = path.join(dir, 'never.csv');
    const terminal = captureTerminal();
    const code = await main(
      [
        'record',
        '--redis',
        `redis://admin:hunter2@127.0.0.1:${unused}`,
        '--duration',
        '10s',
        '--out',
        out,
        '--connect-timeout',
        '2s',
      ],
      terminal,
    );
    assert.equal(code, 3);
    // main() prints RunFailure messages itself. Refused at once: the message is the refusal, not the 2 s timeout.
    assert.doesNotMatch(terminal.err, /within \d+ ms/);
    assert.match(
      terminal.err,
      new RegExp(`cannot connect to Redis at redis://admin:\\*\\*\\*@127\\.0\\.0\\.1:${unused}: connect ECONNREFUSED`),
    );
    assert.doesNotMatch(terminal.err + terminal.out, /hunter2/);
    assert.equal(fs.existsSync(out), false, 'no empty trace left behind');
  });

  it('an existing --out file is kept when the recording fails, replaced whole when it ends, with no temporary file left', async () => {
    const folder = fs.mkdtempSync(path.join(dir, 'keep-'));
    const out = path.join(folder, 'trace.csv');
    fs.writeFileSync(out, "yesterday's trace\n");
    const failed = captureTerminal();
    assert.equal(await main(['record', '--redis', 'redis://127.0.0.1:1', '--duration', '1s', '--out', out, '--connect-timeout', '1s'], failed), 3);
    assert.equal(fs.readFileSync(out, 'utf8'), "yesterday's trace\n");
    const ok = captureTerminal();
    assert.equal(await main(['record', '--redis', `redis://127.0.0.1:${port}`, '--duration', '300ms', '--out', out], ok), 0, ok.err);
    assert.equal(fs.readFileSync(out, 'utf8').split('\n')[0], 'timestamp,key,op,size,ttl');
    assert.deepEqual(fs.readdirSync(folder), ['trace.csv']);
  });

  it('--out /dev/full is exit 3 naming the file and the reason, no stack (the real binary)', async () => {
    const { finished } = startCachebench(['record', '--redis', `redis://127.0.0.1:${port}`, '--duration', '2s', '--out', '/dev/full']);
    const ended = await finished;
    assert.equal(ended.code, 3, ended.stderr);
    assert.match(ended.stderr, /cachebench: --out \/dev\/full: write failed \(ENOSPC: no space left on device\)\n/);
    assertNoStack(ended.stderr);
  });

  it('Ctrl-C ends the recording early: what was recorded is in the file, exit 130', async () => {
    const out = path.join(dir, 'interrupted.csv');
    const running = startCachebench(['record', '--redis', `redis://127.0.0.1:${port}`, '--duration', '60s', '--out', out]);
    let stderr = '';
    running.child.stderr?.on('data', (text: Buffer | string) => {
      stderr += String(text);
    });
    while (!/recording .* into /.test(stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
    const client = new Redis({ port, host: '127.0.0.1' });
    await client.set('before-ctrl-c', 'v');
    client.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill('SIGINT');
    const ended = await running.finished;
    assert.equal(ended.code, 130, `${ended.signal} ${ended.elapsedMs} ms: ${ended.stderr}`);
    assert.match(ended.stderr, /recording interrupted after .*; what was recorded is in /);
    assert.match(fs.readFileSync(out, 'utf8'), /^timestamp,key,op,size,ttl\n[\d.]+,before-ctrl-c,set,1,\n/);
  });
});

describe('cachebench record: flags and MONITOR lines (no server needed)', () => {
  const run = async (args: string[]) => {
    const terminal = captureTerminal();
    const code = await main(['record', ...args], terminal);
    return { code, err: terminal.err };
  };

  it('bad flags are exit 2 with what would be valid', async () => {
    const out = path.join(os.tmpdir(), `cachebench-never-${process.pid}.csv`);
    assert.deepEqual(await run(['--redis', 'http://x', '--duration', '1s', '--out', out]), {
      code: 2,
      err: 'cachebench: --redis: expected a redis:// or rediss:// URL; got a http:// one\n',
    });
    const duration = await run(['--redis', 'redis://127.0.0.1:1', '--duration', '30', '--out', out]);
    assert.equal(duration.code, 2);
    assert.match(duration.err, /--duration: must be a duration/);
    const salt = await run(['--redis', 'redis://127.0.0.1:1', '--duration', '1s', '--out', out, '--hash-salt', 'ab']);
    assert.equal(salt.code, 2);
    assert.match(salt.err, /--hash-salt applies only with --hash-keys/);
    const badOut = await run([
      '--redis',
      'redis://127.0.0.1:1',
      '--duration',
      '1s',
      '--out',
      path.join(os.tmpdir(), 'no-such-dir', 'x.csv'),
    ]);
    assert.equal(badOut.code, 2);
    assert.match(badOut.err, /--out .*no-such-dir.*: cannot write there \(ENOENT\)/);
  });
});
