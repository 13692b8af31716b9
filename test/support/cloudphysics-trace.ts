import { readFileSync } from 'node:fs';

/** The reference trace (test/fixtures/cloudphysics.csv) in arrays, keys mapped to dense ids in order of first appearance. */
export interface CloudPhysicsTrace {
  keys: Int32Array;
  sizes: Int32Array;
  times: Float64Array;
  distinctKeys: number;
  totalBytes: number;
}

let cached: CloudPhysicsTrace | null = null;

/** Reads the fixture once per test process. */
export function readCloudPhysics(): CloudPhysicsTrace {
  if (cached !== null) return cached;
  const lines = readFileSync(new URL('../fixtures/cloudphysics.csv', import.meta.url), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const [timeColumn, keyColumn, sizeColumn] = ['timestamp', 'key', 'size'].map((name) => header.indexOf(name));
  const ids = new Map<string, number>();
  const keys = new Int32Array(lines.length - 1);
  const sizes = new Int32Array(lines.length - 1);
  const times = new Float64Array(lines.length - 1);
  let totalBytes = 0;
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].split(',');
    let id = ids.get(fields[keyColumn]);
    if (id === undefined) {
      id = ids.size;
      ids.set(fields[keyColumn], id);
    }
    keys[i - 1] = id;
    sizes[i - 1] = Number(fields[sizeColumn]);
    times[i - 1] = Number(fields[timeColumn]);
    totalBytes += sizes[i - 1];
  }
  cached = { keys, sizes, times, distinctKeys: ids.size, totalBytes };
  return cached;
}
