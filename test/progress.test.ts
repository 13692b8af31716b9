import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { progressLine, RunProgressBar, SHOW_AFTER_MS } from '../src/cli/progress-bar.js';
import { AccessBatch } from '../src/workload/access-event.js';
import { ProgressStream } from '../src/workload/progress-stream.js';
import { captureTerminal } from './support/capture-terminal.js';
import { EventListStream } from './support/event-list-stream.js';

const work = mkdtempSync(join(tmpdir(), 'cachebench-progress-'));

const fakeTerminal = (tty: boolean) => captureTerminal({ stderrIsTTY: tty });

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('the progress stream', () => {
  it('reports at most once per interval (one clock read per batch) and once at the end, with every event counted', () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({ t: i * 2, key: i % 10, op: 'get' as const }));
    const clock = manualClock();
    let reads = 0;
    const now = () => {
      reads++;
      return clock.now();
    };
    const reports: [number, number][] = [];
    const stream = new ProgressStream(new EventListStream(events), (n, t) => reports.push([n, t]), now, 150);
    const batch = new AccessBatch(100);
    let pulled = 0;
    for (;;) {
      clock.advance(60); // each batch takes 60 ms of wall time
      const n = stream.next(batch);
      if (n === 0) break;
      pulled += n;
    }
    assert.equal(pulled, 1000);
    // 10 batches 60 ms apart with a 150 ms interval: reports after batches 3, 6 and 9, then the end.
    assert.deepEqual(reports, [
      [300, 598],
      [600, 1198],
      [900, 1798],
      [1000, 1998],
    ]);
    assert.equal(reads, 1 + 10, 'one clock read at the start and one per non-empty batch');
    // The end is reported once, however often the engine asks again.
    stream.next(batch);
    assert.equal(reports.length, 4);
  });
});

describe('the progress bar', () => {
  it('draws nothing for the first half second, then a bar with requests, rate, ETA and hit rate; finish clears its line', () => {
    const terminal = fakeTerminal(true);
    const clock = manualClock();
    const bar = new RunProgressBar(terminal, 'quickstart', { requests: 100_000, durationMs: null }, clock.now);
    after(() => bar.finish()); // a failed assertion must not leave the bar's redraw timer running
    clock.advance(SHOW_AFTER_MS - 100);
    bar.report({ requests: 10_000, clockMs: 0, hitRate: 0.5 });
    assert.equal(terminal.err, '', 'a short run never shows a bar');
    clock.advance(100);
    bar.report({ requests: 25_000, clockMs: 0, hitRate: 0.694 });
    assert.match(terminal.err, /quickstart · ETA 1\.5 s · █+░+ 25% · 25,000 requests · 50,000\/s · hit rate 69\.4%/);
    bar.finish();
    const cleared = terminal.err;
    assert.match(cleared, /\x1b\[2K/, 'the line is cleared at the end');
    bar.report({ requests: 100_000, clockMs: 0, hitRate: 0.7 });
    assert.equal(terminal.err, cleared, 'nothing is drawn after finish');
  });

  it('a workload of unknown length (a whole trace) shows its count, rate and hit rate without a bar', () => {
    const terminal = fakeTerminal(true);
    const clock = manualClock();
    const bar = new RunProgressBar(terminal, 'trace', { requests: null, durationMs: null }, clock.now);
    after(() => bar.finish());
    clock.advance(1000);
    bar.report({ requests: 3_000_000, clockMs: 0, hitRate: null });
    assert.match(terminal.err, /trace · 3,000,000 requests · 3,000,000\/s · hit rate –/);
    assert.doesNotMatch(terminal.err, /ETA|█/);
    bar.finish();
  });

  it('a workload with a duration measures progress on the run’s clock', () => {
    const terminal = fakeTerminal(true);
    const clock = manualClock();
    const bar = new RunProgressBar(terminal, 'timed', { requests: null, durationMs: 600_000 }, clock.now);
    after(() => bar.finish());
    clock.advance(2000);
    bar.report({ requests: 1000, clockMs: 150_000, hitRate: 0.9 });
    assert.match(terminal.err, /ETA 6\.0 s · █+░+ 25% · 1,000 requests · 500\/s · hit rate 90\.0%/);
    bar.finish();
  });

  it('fits the terminal: on 80 columns and narrower the ETA still shows, first', () => {
    for (const columns of [80, 60, 40, 24]) {
      const terminal = fakeTerminal(true);
      terminal.stderrColumns = columns;
      const clock = manualClock();
      const bar = new RunProgressBar(terminal, 'policy=sieve capacity=25k', { requests: 10_000_000, durationMs: null }, clock.now);
      after(() => bar.finish());
      clock.advance(4000);
      bar.report({ requests: 1_000_000, clockMs: 0, hitRate: 0.437 });
      bar.finish();
      assert.match(terminal.err, /ETA 36 s/, `${columns} columns: ${JSON.stringify(terminal.err)}`);
      // eslint-disable-next-line no-control-regex
      const drawn = terminal.err.split(/\r|\x1b\[[0-9;]*[A-Za-z]/).filter((line) => line !== '');
      for (const line of drawn) assert.ok([...line].length < columns, `${columns} columns: ${[...line].length}: ${line}`);
    }
  });

  it('drops the least useful parts first as the line narrows', () => {
    const fields = { label: 'quickstart', fraction: 0.25, timeLeft: '1.5 s', requests: '25,000', rate: '50,000/s', hitRate: '69.4%' };
    assert.equal(progressLine(fields, 200), `quickstart · ETA 1.5 s · ${'█'.repeat(6)}${'░'.repeat(18)} 25% · 25,000 requests · 50,000/s · hit rate 69.4%`);
    assert.equal(progressLine(fields, 95), `quickstart · ETA 1.5 s · ${'█'.repeat(5)}${'░'.repeat(15)} 25% · 25,000 requests · 50,000/s · hit rate 69.4%`);
    assert.equal(progressLine(fields, 79), `quickstart · ETA 1.5 s · ${'█'.repeat(2)}${'░'.repeat(6)} 25% · 25,000 requests · 50,000/s`);
    assert.equal(progressLine(fields, 60), `quickstart · ETA 1.5 s · ${'█'.repeat(2)}${'░'.repeat(6)} 25% · 25,000 requests`);
    assert.equal(progressLine(fields, 30), `ETA 1.5 s · ${'█'.repeat(2)}${'░'.repeat(6)} 25%`);
    assert.equal(progressLine(fields, 12), 'ETA 1.5 s');
    assert.equal(progressLine({ ...fields, fraction: null }, 200), 'quickstart · 25,000 requests · 50,000/s · hit rate 69.4%');
  });
});

// 15M requests replay in about 1.5 s here (README, benchmarks: ~10M/s): past SHOW_AFTER_MS even on a machine
// twice as fast, so the bar must show.
const longScenario = (requests: string) => `name: long
seed: 2
workload:
  keys: 200k
  distribution: { type: zipf, alpha: 0.9 }
  requests: ${requests}
  arrival: none
cache:
  policy: lru
  capacity: 20k
`;

describe('cachebench run in a terminal', () => {
  const scenario = join(work, 'long.yaml');
  writeFileSync(scenario, longScenario('15M'));
  const shorter = join(work, 'shorter.yaml');
  writeFileSync(shorter, longScenario('6M'));

  it('shows a progress bar on stderr when stderr is a terminal, and clears it before the summary', async () => {
    const terminal = fakeTerminal(true);
    const code = await main(['run', scenario, '--json', '-'], terminal);
    assert.equal(code, 0, terminal.err);
    assert.match(terminal.err, /long · ETA [^·]+ · █*░* \d+% · [\d,]+ requests · [\d,.]+\/s · hit rate \d+\.\d%/);
    assert.match(terminal.err, /\x1b\[2K[\s\S]*with cache/, 'the bar is cleared before the summary is printed');
    // stdout carries the JSON alone: no bar there.
    assert.equal(JSON.parse(terminal.out).runs[0].metrics.requests, 15_000_000);
  });

  it('prints nothing of it when stderr is not a terminal', async () => {
    const terminal = fakeTerminal(false);
    const code = await main(['run', shorter, '--json', '-'], terminal);
    assert.equal(code, 0, terminal.err);
    assert.doesNotMatch(terminal.err, /requests ·|ETA|█|\x1b\[/);
    assert.match(terminal.err, /with cache/);
  });
});
