import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../src/scenario/json-schema.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { cachebench } from './support/cachebench-process.js';
import { checkJsonSchema } from './support/json-schema-check.js';

/** The scenario format as JSON Schema: generated from the zod schema, checked in, and true to the loader. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECKED_IN = join(root, 'cachebench.schema.json');
const schema = scenarioJsonSchema();
const fixtureTrace = join(root, 'test', 'fixtures', 'cloudphysics.csv');
const scenarioFiles = readdirSync(join(root, 'scenarios'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.yaml'));

type Json = Record<string, unknown>;

/** Every property of the schema with its path (`cache.stampede.retry`, `faults[].at`), through anyOf/oneOf/items. */
function properties(node: Json, path = ''): { path: string; field: Json }[] {
  const found: { path: string; field: Json }[] = [];
  for (const [name, field] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) {
    const fieldPath = path === '' ? name : `${path}.${name}`;
    found.push({ path: fieldPath, field }, ...properties(field, fieldPath));
  }
  for (const key of ['anyOf', 'oneOf'] as const) for (const branch of (node[key] as Json[] | undefined) ?? []) found.push(...properties(branch, path));
  if (node.items !== undefined) found.push(...properties(node.items as Json, `${path}[]`));
  return found;
}

function resolveRuns(data: Json): unknown {
  const loaded = parseScenarioText(stringify(data), 'defaults.yaml', [], root);
  return loaded.runs.map((run) => run.scenario);
}

describe('cachebench.schema.json', () => {
  it('the checked-in copy is what the zod schema generates (regenerate it with `npm run schema`)', () => {
    assert.equal(readFileSync(CHECKED_IN, 'utf8'), scenarioJsonSchemaText());
  });

  it('`cachebench schema` prints it', () => {
    const r = cachebench(['schema']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, scenarioJsonSchemaText());
  });

  it('every field has a description; a field written with a unit names it', () => {
    const fields = properties(schema).filter(({ path }) => !path.endsWith('.type') && path !== 'type');
    assert.ok(fields.length > 100, `${fields.length} fields`);
    assert.deepEqual(fields.filter(({ field }) => typeof field.description !== 'string' || field.description === '').map(({ path }) => path), []);
    for (const path of ['cache.ttl', 'workload.rate', 'workload.keys', 'cache.capacity', 'workload.value_size.p50', 'cache.stampede.ttl_jitter']) {
      const field = fields.find((entry) => entry.path === path)?.field;
      assert.ok(field?.['x-unit'], `${path} has a unit`);
      assert.match(String(field?.description), /Written as a/, path);
    }
  });

  it('every shipped scenario starts with the yaml-language-server line pointing at it, and validates', () => {
    assert.ok(scenarioFiles.length >= 15);
    for (const name of scenarioFiles) {
      const file = join(root, 'scenarios', name);
      const text = readFileSync(file, 'utf8');
      const header = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      assert.ok(header, `${name}: the first line is # yaml-language-server: $schema=…`);
      assert.equal(resolve(dirname(file), header[1]), CHECKED_IN, `${name}: $schema points at cachebench.schema.json`);
      assert.deepEqual(checkJsonSchema(schema, parse(text)), [], name);
    }
  });

  it("the README's own scenario validates against it and loads", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /```yaml\n(# yaml-language-server: \$schema=\.\/cachebench\.schema\.json\n[\s\S]*?)```/.exec(readme);
    assert.ok(block, 'the README shows a scenario with the yaml-language-server line');
    assert.deepEqual(checkJsonSchema(schema, parse(block[1])), []);
    assert.equal(parseScenarioText(block[1], join(root, 'products.yaml'), [], root).runs.length, 1);
  });

  it('refuses what the loader refuses: an unknown field, a duration without a unit, a policy that does not exist', () => {
    const base = { workload: { keys: '10k', requests: '1M' }, cache: { capacity: '1k' } };
    assert.deepEqual(checkJsonSchema(schema, base), []);
    assert.match(checkJsonSchema(schema, { ...base, cache: { capacity: '1k', polcy: 'lru' } }).join('\n'), /unknown field polcy/);
    assert.notDeepEqual(checkJsonSchema(schema, { ...base, cache: { capacity: '1k', ttl: 5 } }), []);
    assert.notDeepEqual(checkJsonSchema(schema, { ...base, cache: { capacity: '1k', policy: 'lruu' } }), []);
    assert.notDeepEqual(checkJsonSchema(schema, { cache: { capacity: '1k' } }), [], 'workload is required');
    // Short forms are accepted as the loader accepts them.
    assert.deepEqual(checkJsonSchema(schema, { ...base, database: { latency: '4ms' }, thresholds: 'hit_rate >= 0.5', cache: 'none' }), []);
  });

  it('every default it states is the loader\'s default: writing it resolves to the same scenario as leaving it out', () => {
    const simulated = { workload: { keys: '1k', requests: '2k', rate: '1000/s' }, cache: { policy: 'lru', capacity: '100', ttl: '1m' } };
    const withCache = (cache: Json, rest: Json = {}) => ({ ...simulated, ...rest, cache: { ...simulated.cache, ...cache } });
    // A field's default shows only where the field applies; each is tried in the first of these that takes it.
    const bases: Json[] = [
      simulated,
      { ...simulated, workload: { ...simulated.workload, distribution: { type: 'zipf' } } },
      { ...simulated, workload: { ...simulated.workload, distribution: { type: 'hotspot' } } },
      withCache({ stampede: { protection: 'lock' } }),
      withCache({ stampede: { protection: 'refresh-ahead' } }),
      withCache({ stampede: { protection: 'stale-while-revalidate' } }),
      withCache({ stampede: { protection: 'xfetch' } }),
      withCache({ local: { capacity: '10' }, invalidation: 'pubsub' }, { topology: { nodes: 3 } }),
      withCache({ pattern: 'write-behind' }),
      withCache({ capacity: '4MB', memory_model: { type: 'redis' } }),
      { ...withCache({}, { topology: { nodes: 2 } }), faults: [{ type: 'node-crash', at: '1s', node: 1 }] },
      { workload: { trace: fixtureTrace, arrival: 'trace' }, cache: { capacity: '1k' } },
      { workload: { trace: fixtureTrace, format: 'delimited', columns: { key: 1 } }, cache: { capacity: '1k' } },
      { mode: 'live', workload: { keys: '1k', duration: '1s', rate: '100/s' }, cache: { redis: { url: 'redis://127.0.0.1:1' } } },
      { mode: 'live', workload: { keys: '1k', duration: '1s', clients: 4 }, cache: { redis: { url: 'redis://127.0.0.1:1' } } },
      {
        mode: 'live',
        workload: { keys: '1k', duration: '1s', rate: '100/s' },
        database: { postgres: { url: 'postgres://127.0.0.1:1/app', table: 'bench' } },
        cache: { redis: { url: 'redis://127.0.0.1:1' } },
      },
    ];
    const set = (data: Json, path: string, value: unknown): Json => {
      const copy = structuredClone(data);
      let node: Json = copy;
      const segments = path.replace('[]', '.0').split('.');
      for (const segment of segments.slice(0, -1)) {
        if (node[segment] === undefined || typeof node[segment] !== 'object') node[segment] = {};
        node = node[segment] as Json;
      }
      node[segments.at(-1) as string] = value;
      return copy;
    };
    const has = (data: Json, path: string): boolean => {
      let node: unknown = data;
      for (const segment of path.replace('[]', '.0').split('.')) {
        if (node === null || typeof node !== 'object' || !(segment in node)) return false;
        node = (node as Json)[segment];
      }
      return true;
    };
    const tried: string[] = [];
    const untried: string[] = [];
    const mismatched: string[] = [];
    for (const { path, field } of properties(schema).filter((entry) => 'default' in entry.field)) {
      const base = bases.find((candidate) => {
        if (has(candidate, path)) return false; // the default shows only where the field is left out
        try {
          resolveRuns(set(candidate, path, field.default));
          resolveRuns(candidate);
          return true;
        } catch {
          return false;
        }
      });
      if (base === undefined) {
        untried.push(path);
        continue;
      }
      tried.push(path);
      try {
        assert.deepEqual(resolveRuns(set(base, path, field.default)), resolveRuns(base));
      } catch {
        mismatched.push(`${path}: ${JSON.stringify(field.default)}`);
      }
    }
    assert.deepEqual(untried, [], 'defaults no base scenario takes');
    assert.deepEqual(mismatched, [], 'defaults that resolve differently from leaving the field out');
    assert.ok(tried.length >= 40, `${tried.length} defaults checked`);
  });
});
