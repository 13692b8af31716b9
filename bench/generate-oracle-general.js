// Writes the benchmark's 10M-request Zipf(1.0) trace in libCacheSim's binary oracleGeneral format, for the
// binary replay target: 24-byte little-endian records {u32 timestamp_s, u64 obj_id, u32 size,
// i64 next_access_vtime}, where next_access_vtime is the 1-based index of the next request to the object,
// −1 if none. The requests are those of bench/data/zipf1.0-<requests>-1000000.csv (written by
// `npm run bench`) when it exists — obj_id = its key, timestamp = its ms ÷ 1000, floored — so the two files
// replay to the same hit counts; otherwise those of the seeded generator bench/run.js writes the CSV from.
//
//   npm run build && node bench/generate-oracle-general.js [requests]
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccessBatch } from '../dist/workload/access-event.js';
import { createWorkload } from '../dist/workload/create-workload.js';
import { openTraceReader } from '../dist/workload/trace/trace-reader.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requests = Number(process.argv[2] ?? process.env.BENCH_REQUESTS ?? 10_000_000);
const keys = 1_000_000;
const path = join(root, 'bench', 'data', `zipf1.0-${requests}-${keys}.oracleGeneral.bin`);
const csvPath = join(root, 'bench', 'data', `zipf1.0-${requests}-${keys}.csv`);
mkdirSync(dirname(path), { recursive: true });

// The spec bench/run.js writes its CSV from: same generator, same seed, so the same key sequence.
const spec = {
  kind: 'synthetic',
  keys,
  distribution: { type: 'zipf', alpha: 1.0 },
  requests,
  duration: null,
  arrival: { type: 'constant', rate: 100_000 },
  mix: { get: 1, set: 0, delete: 0 },
  value_size: { type: 'fixed', size: 1024 },
};

// Pass 1: the key, time and size of every request (next_access_vtime needs the future).
const keyOf = new Float64Array(requests);
const secondOf = new Uint32Array(requests);
const sizeOf = new Uint32Array(requests);
const batch = new AccessBatch(8192);
let count = 0;
if (existsSync(csvPath)) {
  const reader = openTraceReader(csvPath, 'csv');
  // Key ids are dense in order of first appearance: look each key's text up once.
  const keyById = [];
  for (let n = reader.read(batch, batch.capacity); n > 0 && count < requests; n = reader.read(batch, batch.capacity)) {
    for (let i = 0; i < n && count < requests; i++, count++) {
      const id = batch.key[i];
      while (keyById.length <= id) keyById.push(Number(reader.keyName(keyById.length)));
      keyOf[count] = keyById[id];
      secondOf[count] = Math.floor(batch.time[i] / 1000);
      sizeOf[count] = batch.size[i];
    }
  }
  reader.close();
} else {
  const stream = createWorkload(spec, 1);
  for (let n = stream.next(batch); n > 0; n = stream.next(batch)) {
    for (let i = 0; i < n; i++, count++) {
      keyOf[count] = batch.key[i];
      secondOf[count] = Math.floor(batch.time[i] / 1000);
      sizeOf[count] = batch.size[i];
    }
  }
  stream.close();
}

// Pass 2, backwards: each request's next access, then the records in chunks.
const nextAccess = new Float64Array(count);
const seenAt = new Map();
for (let i = count - 1; i >= 0; i--) {
  nextAccess[i] = seenAt.get(keyOf[i]) ?? -1;
  seenAt.set(keyOf[i], i + 1);
}
const partial = `${path}.partial`;
const fd = openSync(partial, 'w');
const chunkRecords = 1 << 16;
const chunk = Buffer.alloc(chunkRecords * 24);
for (let from = 0; from < count; from += chunkRecords) {
  const to = Math.min(count, from + chunkRecords);
  for (let i = from; i < to; i++) {
    const o = (i - from) * 24;
    chunk.writeUInt32LE(secondOf[i], o);
    chunk.writeBigUInt64LE(BigInt(keyOf[i]), o + 4);
    chunk.writeUInt32LE(sizeOf[i], o + 12);
    chunk.writeBigInt64LE(BigInt(nextAccess[i]), o + 16);
  }
  writeSync(fd, chunk, 0, (to - from) * 24);
}
closeSync(fd);
renameSync(partial, path);
console.log(`wrote ${count.toLocaleString('en-US')} records to ${path}`);
