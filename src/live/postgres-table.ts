import type pg from 'pg';
import { RandomSource } from '../random/random-source.js';
import type { WorkloadSpec } from '../scenario/scenario.js';
import { createValueSizeModel } from '../workload/value-size.js';

/** Rows inserted per statement while filling. */
const FILL_CHUNK = 10_000;

/**
 * The comment every table of a run carries from its creation: `cachebench cleanup --postgres` drops a table
 * only when it has it, so a table of the user's is never dropped, whatever its name.
 */
export const RUN_TABLE_COMMENT = 'created by a cachebench run, which drops it at its end';

/** A run's table name: `<database.postgres.table>_<8 hex digits>`. */
export const RUN_TABLE_NAME = /^[a-z_][a-z0-9_]*_[0-9a-f]{8}$/;

/**
 * cachebench's own table (`database.postgres.table`): `<table>_<run id>`, created at the start — never
 * over an existing table: CREATE TABLE without IF NOT EXISTS fails on one, and then nothing is dropped —
 * filled with one row per key of a synthetic workload (the key's value size, the same the workload
 * gives it, version 0), and dropped at the end. A trace's keys are inserted by their first write.
 */
export class PostgresTable {
  private created = false;
  rowsFilled = 0;

  constructor(readonly name: string) {}

  /** Creates and fills the table; after a failure the caller still calls drop(), which drops it only if this run created it. */
  async create(client: pg.Client, workload: WorkloadSpec, seed: number): Promise<void> {
    await client.query(`CREATE TABLE ${this.name} (id bigint PRIMARY KEY, version integer NOT NULL, payload text NOT NULL)`);
    this.created = true;
    await client.query(`COMMENT ON TABLE ${this.name} IS '${RUN_TABLE_COMMENT}'`);
    if (workload.kind !== 'synthetic') return;
    // The same sizes the workload gives each key (workload/synthetic-workload.ts derives them the same way).
    const sizes = createValueSizeModel(workload.value_size, RandomSource.derive(seed, 'sizes'));
    for (let first = 0; first < workload.keys; first += FILL_CHUNK) {
      const count = Math.min(FILL_CHUNK, workload.keys - first);
      const ids = new Array<number>(count);
      const bytes = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        ids[i] = first + i;
        bytes[i] = sizes.sizeOf(first + i);
      }
      await client.query(`INSERT INTO ${this.name} (id, version, payload) SELECT id, 0, repeat('x', size) FROM unnest($1::bigint[], $2::integer[]) AS fill(id, size)`, [ids, bytes]);
      this.rowsFilled += count;
    }
    await client.query(`ANALYZE ${this.name}`);
  }

  /** Drops the table if this run created it; true when it did. */
  async drop(client: pg.Client): Promise<boolean> {
    if (!this.created) return false;
    await client.query(`DROP TABLE IF EXISTS ${this.name}`);
    this.created = false;
    return true;
  }
}

/**
 * `cachebench cleanup --postgres`: drops `name` when it is a run's table left behind (the run's DROP
 * failed), and nothing else: 'dropped', 'absent' (no such table in the search path), or 'not-ours' (a table
 * without the run comment, which is left as it is).
 */
export async function dropLeftoverTable(client: pg.Client, name: string): Promise<'dropped' | 'absent' | 'not-ours'> {
  const found = await client.query<{ comment: string | null }>(
    "SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind = 'r'",
    [name],
  );
  if (found.rows.length === 0) return 'absent';
  if (found.rows[0].comment !== RUN_TABLE_COMMENT) return 'not-ours';
  await client.query(`DROP TABLE ${name}`);
  return 'dropped';
}
