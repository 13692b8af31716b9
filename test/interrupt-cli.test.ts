import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertNoStack, startCachebench } from './support/cachebench-process.js';

// Ctrl-C (SIGINT) and SIGTERM in simulate mode, through the real binary: the run stops, every output is
// written whole (JSON, HTML, JUnit, Markdown) with the finished runs and the interrupted one marked
// partial, and the exit code is 130. (Live runs: test/live-faults.test.ts.)

const work = mkdtempSync(join(tmpdir(), 'cachebench-interrupt-'));

/** A matrix of a short run, then one far too long to finish: the signal comes during the second. */
function matrixScenario(name: string, arrival: string): string {
  const path = join(work, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}
seed: 5
workload:
  keys: 10k
  distribution: { type: zipf, alpha: 0.9 }
  requests: 5k
  ${arrival}
  mix: { get: 95%, set: 5% }
database:
  latency: { type: exponential, mean: 2ms }
cache:
  policy: lru
  capacity: 1000
matrix:
  workload.requests: [5k, 500M]
`,
  );
  return path;
}

async function interruptMidMatrix(name: string, arrival: string, signal: NodeJS.Signals) {
  const dir = mkdtempSync(join(work, `${name}-`));
  const out = (ext: string) => join(dir, `result.${ext}`);
  const running = startCachebench(
    ['run', matrixScenario(name, arrival), '--json', out('json'), '--html', out('html'), '--junit', out('xml'), '--markdown', out('md')],
    { timeoutMs: 120_000 },
  );
  // After the first run the JSON holds it, marked partial: the second (endless) run is then under way.
  while (!existsSync(out('json'))) {
    assert.equal(running.child.exitCode, null, 'still running');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const first = JSON.parse(readFileSync(out('json'), 'utf8'));
  assert.equal(first.partial, true);
  assert.equal(first.partial_reason, '1 of 2 runs finished');
  assert.equal(first.runs.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  running.child.kill(signal);
  const ended = await running.finished;
  return { dir, out, ended };
}

describe('an interrupted simulation writes every output, marked partial, and exits 130', () => {
  for (const [label, arrival, signal] of [
    ['timed, Ctrl-C', 'rate: 50000/s', 'SIGINT'],
    ['untimed, SIGTERM', 'arrival: none', 'SIGTERM'],
  ] as const) {
    it(label, async () => {
      const { dir, out, ended } = await interruptMidMatrix(label.startsWith('timed') ? 'timed' : 'untimed', arrival, signal);
      assert.equal(ended.code, 130, `${ended.signal}: ${ended.stderr}`);
      assertNoStack(ended.stderr);
      assert.match(ended.stderr, new RegExp(`cachebench: interrupted \\(${signal}\\) after [\\d,]+ requests; partial result written to .*result\\.json\\n`));
      const result = JSON.parse(readFileSync(out('json'), 'utf8'));
      assert.equal(result.partial, true);
      assert.match(result.partial_reason, new RegExp(`^interrupted \\(${signal}\\) after [\\d,]+ requests during run 2 of 2$`));
      assert.equal(result.runs.length, 2);
      assert.equal(result.runs[0].partial, undefined, 'the finished run is whole');
      assert.equal(result.runs[0].metrics.requests, 5000);
      const stopped = result.runs[1];
      assert.equal(stopped.partial, true);
      assert.ok(stopped.metrics.requests > 0 && stopped.metrics.requests < 500_000_000);
      assert.equal(stopped.baseline.requests, stopped.metrics.requests);
      const html = readFileSync(out('html'), 'utf8');
      assert.match(html, /<\/html>\s*$/);
      const junit = readFileSync(out('xml'), 'utf8');
      assert.match(junit, /<testsuites[\s\S]*<\/testsuites>\s*$/);
      // JUnit says the stopped run did not complete (an error), the finished one is a plain suite.
      assert.match(junit, /<testsuites name="cachebench run (timed|untimed) \(partial\)" tests="1" failures="0" errors="1"/);
      assert.equal(junit.match(/<testsuite name="[^"]*\(partial\)" tests="1" failures="0" errors="1"/g)?.length, 1);
      assert.match(junit, new RegExp(`<testcase name="run completed" [^>]*>\\n\\s*<error type="partial" message="the run stopped early: interrupted \\(${signal}\\) after [\\d,]+ requests">`));
      assert.ok(readFileSync(out('md'), 'utf8').length > 0);
      assert.deepEqual(readdirSync(dir).sort(), ['result.html', 'result.json', 'result.md', 'result.xml'], 'no temporary file left');
    });
  }
});
