import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codeSpan, markdownTable, markdownText } from '../src/report/markdown-text.js';
import { renderRunMarkdown } from '../src/report/run-markdown.js';
import type { Result, RunResult } from '../src/result/run-result.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';
import { liveRunResult, runResult } from './support/run-metrics.js';

/*
 * Snapshots: the expected Markdown is committed under test/fixtures/ and compared exactly. The results it is
 * rendered from come from deterministic runs of test/fixtures/report-scenario.yaml (commands at its top).
 * After a deliberate change to the Markdown, regenerate the expected files and review their diff:
 *   node bin/cachebench.js compare test/fixtures/report-baseline.result.json test/fixtures/report-current.result.json --markdown test/fixtures/report-compare.md
 *   node --import tsx -e "import('./src/report/run-markdown.ts').then(({ renderRunMarkdown }) => { const fs = require('node:fs'); fs.writeFileSync('test/fixtures/report-run.md', renderRunMarkdown(JSON.parse(fs.readFileSync('test/fixtures/report-current.result.json', 'utf8')))); })"
 */
const fixtures = join(repoRoot, 'test', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'cachebench-markdown-'));
const readFixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('Markdown summaries (snapshots)', () => {
  it('run --markdown of a matrix: gate line, overview, key metrics with and without cache, thresholds ✓/✗', () => {
    const result: Result = JSON.parse(readFixture('report-current.result.json'));
    assert.equal(renderRunMarkdown(result), readFixture('report-run.md'));
  });

  it('compare --markdown from the real binary: gate line, rules ✓/✗, key changes, every metric folded', () => {
    const out = join(work, 'compare.md');
    const r = cachebench([
      'compare',
      'test/fixtures/report-baseline.result.json',
      'test/fixtures/report-current.result.json',
      '--markdown',
      out,
    ]);
    assert.equal(r.code, 1, 'the scenario\'s rule "hit_rate -2%" is broken in both runs');
    assert.equal(readFileSync(out, 'utf8'), readFixture('report-compare.md'));
  });
});

describe('run --markdown from the real binary', () => {
  it('writes what the renderer makes of the JSON result of the same run', () => {
    const scenario = join(work, 'one.yaml');
    writeFileSync(
      scenario,
      'name: one\nseed: 4\nworkload: { keys: 1k, requests: 2k, rate: 1000/s }\ncache: { policy: lru, capacity: 100 }\nthresholds:\n  - hit_rate >= 0.2\n',
    );
    const json = join(work, 'one.json');
    const markdown = join(work, 'one.md');
    const r = cachebench(['run', scenario, '--json', json, '--markdown', markdown]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(markdown, 'utf8');
    assert.equal(text, renderRunMarkdown(JSON.parse(readFileSync(json, 'utf8'))));
    // A single run is titled by its scenario alone, with no run heading.
    assert.match(text, /^## cachebench: one\n\n✓ \*\*all 1 threshold passed\*\*\n\n\| metric \| with cache \| no cache \|/);
    assert.doesNotMatch(text, /^### /m);
    assert.match(text, /\| ✓ \| `hit_rate >= 0\.2` \| \d+\.\d% \|/);
  });
});

describe('Markdown text', () => {
  it('escapes punctuation and keeps user text on one line', () => {
    assert.equal(markdownText('a|b *c* _d_ <e> [f](g) `h` #i \\j'), 'a\\|b \\*c\\* \\_d\\_ \\<e\\> \\[f\\](g) \\`h\\` \\#i \\\\j');
    assert.equal(markdownText('one\ntwo\r\n three'), 'one two three');
  });

  it('code spans keep text literal: a longer fence around backticks, pipes escaped for tables', () => {
    assert.equal(codeSpan('latency.p99 < 5ms'), '`latency.p99 < 5ms`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x`'), '`` `x` ``');
    assert.equal(codeSpan('a|b'), '`a\\|b`');
  });

  it('a run name with pipes and newlines cannot break a table (the newline shows as \\n)', () => {
    const name = 'policy=a|b\nnext';
    const result: Result = {
      schema_version: 1,
      scenario: { name: 'x' },
      runs: [runResult({ name, thresholds: [] }), runResult({ name: 'plain', thresholds: [{ expr: 'hit_rate >= 0.5', actual: 0.9, pass: true }] })],
    };
    const text = renderRunMarkdown(result);
    assert.match(text, /^✓ \*\*all 1 threshold passed\*\* over 2 runs$/m);
    assert.match(text, /^### policy=a\\\|b\\\\nnext$/m);
    const row = text.split('\n').find((line) => line.startsWith('| policy=a'));
    assert.equal(row, '| policy=a\\|b\\\\nnext | 91.2% | 2.1 ms | 657/s | 1,234/s | 0.3% | 1 MB | 1,000 | – |');
    const columns = (line: string) => line.split(/(?<!\\)\|/).length;
    assert.equal(columns(row ?? ''), columns('| run | hit rate | p99 | DB qps | DB peak | stale rate | peak bytes | peak entries | thresholds |'));
    assert.equal(markdownTable(['a', 'b'], ['left', 'right'], [['1', '2']]), '| a | b |\n| :-- | --: |\n| 1 | 2 |');
  });

  it('says so when there are no thresholds', () => {
    const text = renderRunMarkdown({ schema_version: 1, scenario: { name: 'bare' }, runs: [runResult({ name: 'bare' })] });
    assert.match(text, /^## cachebench: bare\n\nNo thresholds\.\n/);
  });
});

describe('a partial result in Markdown', () => {
  it('says so, with the reason, on the result and on the run that stopped', () => {
    const run = { ...runResult(), name: 'big', partial: true as const, partial_reason: 'interrupted (SIGINT) after 4,096 requests' };
    const text = renderRunMarkdown({ schema_version: 1, partial: true, partial_reason: 'interrupted (SIGINT) after 4,096 requests during run 2 of 2', scenario: { name: 'x' }, runs: [runResult(), run] });
    assert.match(text, /⚠ \*\*partial result\*\*: interrupted \(SIGINT\) after 4,096 requests during run 2 of 2\n/);
    assert.match(text, /### big\n\n⚠ partial: interrupted \(SIGINT\) after 4,096 requests\n/);
    assert.doesNotMatch(renderRunMarkdown({ schema_version: 1, scenario: { name: 'x' }, runs: [runResult()] }), /partial/);
  });
});

describe("a live run's server counters in Markdown", () => {
  const render = (run: RunResult) => renderRunMarkdown({ schema_version: 1, scenario: { name: 'live' }, runs: [run] });
  /** The cells of the table row whose first cell is `label`, the pipes inside cells kept. */
  const row = (text: string, label: string): string[] | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`| ${markdownText(label)} |`));
    return line
      ?.slice(2, -2)
      .split(/ (?<!\\)\| /)
      .slice(1);
  };

  it("sets Redis's INFO deltas and PostgreSQL's pg_stat_* deltas beside the client's counts, the live baseline's too", () => {
    const text = render(liveRunResult());
    assert.match(text, /^\*\*Redis redis:\/\/127\.0\.0\.1:6390\/0: the client's counts beside the server's\*\*\n\n\| counter \| client \| server \|$/m);
    assert.deepEqual(row(text, 'GET hits (keyspace_hits)'), ['9,120', '9,124']);
    assert.deepEqual(row(text, 'GET misses (keyspace_misses)'), ['880', '882']);
    assert.deepEqual(row(text, 'commands (total_commands_processed)'), ['10,000 GETs', '12,345']);
    assert.deepEqual(row(text, 'failed commands'), ['3', '–']);
    assert.deepEqual(row(text, 'evictions (evicted_keys)'), ['–', '77']);
    assert.deepEqual(row(text, 'expirations (expired_keys)'), ['–', '5']);
    assert.deepEqual(row(text, 'used memory after the run (change)'), ['–', '2 MB (+1 MB)']);
    assert.deepEqual(row(text, 'keys deleted at the end'), ['950', '–']);

    assert.match(text, /^\| counter \| client \| server \| no cache: client \| no cache: server \|$/m);
    assert.deepEqual(row(text, 'read queries (pg_stat_statements calls)'), ['880', '878', '10,000', '10,001']);
    assert.deepEqual(row(text, 'rows the reads returned (pg_stat_statements rows)'), ['–', '877', '–', '10,001']);
    assert.deepEqual(row(text, 'write queries'), ['500', '499', '500', '501']);
    assert.deepEqual(row(text, 'failed queries'), ['2', '–', '0', '–']);
    assert.deepEqual(row(text, 'timeouts'), ['1', '–', '0', '–']);
    assert.deepEqual(row(text, 'transactions committed (xact_commit)'), ['–', '1,391', '–', '10,512']);
    assert.deepEqual(row(text, 'transactions rolled back (xact_rollback)'), ['–', '4', '–', '0']);
    assert.deepEqual(row(text, 'blocks hit in shared buffers (blks_hit)'), ['–', '3,990', '–', '30,000']);
    assert.deepEqual(row(text, 'blocks read (blks_read)'), ['–', '10', '–', '0']);
    // A counter the baseline's result does not carry is missing, not 0.
    assert.deepEqual(row(text, 'rows updated (tup_updated)'), ['–', '500', '–', '–']);
    assert.deepEqual(row(text, 'shared-buffer hit rate (blks_hit ÷ (blks_hit + blks_read))'), ['–', '99.8%', '–', '100.0%']);
    assert.equal(row(text, 'write-behind batches'), undefined, 'the run has no flush statement');
    assert.match(text, /^Table cachebench\\_items\\_5eed \(1,000 rows\) dropped\.$/m);
    assert.doesNotMatch(text, /unavailable|unknown|not recorded/);
  });

  it('says a counter is unavailable, with the reason, instead of printing the 0 the result holds', () => {
    const live = liveRunResult();
    const db = live.database!;
    const run = liveRunResult({
      // INFO failed after the run: the result's deltas are 0 and info_after is empty.
      redis: {
        ...live.redis!,
        info_after: {},
        info_error: 'connect ECONNREFUSED 127.0.0.1:6390',
        delta: { keyspace_hits: 0, keyspace_misses: 0, evicted_keys: 0, expired_keys: 0, used_memory: 0, total_commands_processed: 0 },
      },
      database: {
        ...db,
        server: { database: db.server!.database, statements: null, statements_unavailable: 'the pg_stat_statements extension is not installed in this database' },
        baseline: { client: db.baseline!.client, server: null, server_error: 'connection terminated unexpectedly' },
      },
    });
    const text = render(run);
    assert.deepEqual(row(text, 'GET hits (keyspace_hits)'), ['9,120', 'unavailable']);
    assert.deepEqual(row(text, 'evictions (evicted_keys)'), ['–', 'unavailable']);
    assert.deepEqual(row(text, 'used memory after the run (change)'), ['–', 'unavailable']);
    assert.match(text, /^Redis's counters are unavailable: INFO could not be read after the run: connect ECONNREFUSED 127\.0\.0\.1:6390\.$/m);
    assert.deepEqual(row(text, 'read queries (pg_stat_statements calls)'), ['880', 'unavailable', '10,000', 'unavailable']);
    // pg_stat_database was read for the cached run, not for the baseline.
    assert.deepEqual(row(text, 'transactions committed (xact_commit)'), ['–', '1,391', '–', 'unavailable']);
    assert.match(
      text,
      /^pg\\_stat\\_statements unavailable \(the pg\\_stat\\_statements extension is not installed in this database\): the statement counts are unavailable/m,
    );
    assert.match(text, /^No-cache baseline: server statistics unavailable \(connection terminated unexpectedly\): every server counter is unavailable\.$/m);
  });

  it('says unknown when Redis restarted, and not recorded when pg_stat_statements has no entry for a statement the client ran', () => {
    const live = liveRunResult();
    const db = live.database!;
    const text = render(
      liveRunResult({
        redis: {
          ...live.redis!,
          delta: { keyspace_hits: null, keyspace_misses: null, evicted_keys: null, expired_keys: null, used_memory: null, total_commands_processed: null },
          delta_unknown: 'Redis restarted during the run (its run_id changed; uptime 3 s at the end), so its counters started again from 0',
        },
        database: { ...db, server: { ...db.server!, statements: { read: { calls: 878, rows: 877 }, write: null, flush: null } } },
      }),
    );
    assert.deepEqual(row(text, 'GET misses (keyspace_misses)'), ['880', 'unknown']);
    assert.deepEqual(row(text, 'used memory after the run (change)'), ['–', '2 MB (change unknown)']);
    assert.match(text, /^Redis's counters are unknown: Redis restarted during the run/m);
    assert.deepEqual(row(text, 'write queries'), ['500', 'not recorded', '500', '501']);
  });

  it('a run that is not live has no such section', () => {
    assert.doesNotMatch(render(runResult()), /beside the server's|keyspace/);
  });
});
