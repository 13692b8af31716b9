import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { loadChartLibrary } from '../src/report/html/chart-library.js';
import { renderRunReportHtml } from '../src/report/html/run-report.js';
import type { Result } from '../src/result/run-result.js';
import { cachebench, repoRoot } from './support/cachebench-process.js';
import { embeddedCharts } from './support/html-report.js';
import { withPatternFields } from './support/pattern-fields.js';

// The reports in a real browser: Debian's chromium, driven by playwright-core. Without the binary each
// test is skipped with the reason (so the run's tally counts them) — except under CI=true, where that is
// a failure.
const CHROMIUM = '/usr/bin/chromium';
const skip =
  existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `${CHROMIUM} not installed: apt-get install chromium (CI=true makes this a failure)`;

const work = mkdtempSync(join(tmpdir(), 'cachebench-html-browser-'));
const trace = join(repoRoot, 'test', 'fixtures', 'cloudphysics.csv');
const HOSTILE = `</script><script>window.pwned = 1</script><!--`;

/** What a page did while it loaded: anything but an empty list of errors and requests fails the test. */
interface LoadedPage {
  errors: string[];
  requests: string[];
  /** Per chart: its id, canvas size, pixels of its first series' colour, and of the fault shading. */
  charts: { id: string; width: number; height: number; canvases: number; seriesPixels: number; shadedPixels: number; painted: number }[];
  drawn: string | null;
  scripts: number;
  title: string;
  headings: string[];
  pwned: unknown;
}

/**
 * Runs in the page: for each chart of the embedded data, its canvas and what it painted — pixels of its
 * first series' colour, and of the fault shading (rgba(220, 38, 38, 0.13)).
 * A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
 */
const READ_CHARTS = `(() => {
  const specs = JSON.parse(document.getElementById('cachebench-data').textContent).charts;
  const rgb = (hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  const near = (data, at, [r, g, b], tolerance) =>
    Math.abs(data[at] - r) <= tolerance && Math.abs(data[at + 1] - g) <= tolerance && Math.abs(data[at + 2] - b) <= tolerance;
  // The canvas is transparent: the shading keeps its own colour at its alpha (0.13 × 255 ≈ 33).
  const shading = [220, 38, 38];
  const shaded = (data, at) => data[at + 3] >= 28 && data[at + 3] <= 38 && near(data, at, shading, 12);
  const charts = specs.map((spec) => {
    const area = document.getElementById(spec.id);
    const canvases = area ? area.querySelectorAll('canvas') : [];
    const canvas = canvases[0];
    const chart = { id: spec.id, width: canvas ? canvas.width : 0, height: canvas ? canvas.height : 0, canvases: canvases.length, seriesPixels: 0, shadedPixels: 0, painted: 0 };
    if (!canvas || canvas.width === 0 || canvas.height === 0) return chart;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const color = rgb(spec.series[0].color);
    for (let at = 0; at < data.length; at += 4) {
      if (data[at + 3] > 0) chart.painted++;
      if (near(data, at, color, 24)) chart.seriesPixels++;
      if (shaded(data, at)) chart.shadedPixels++;
    }
    return chart;
  });
  return {
    charts,
    drawn: document.documentElement.getAttribute('data-charts-drawn'),
    scripts: document.scripts.length,
    title: document.title,
    headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
    pwned: window.pwned,
  };
})()`;

describe('HTML reports in headless Chromium', () => {
  let browser: Browser;
  // The quickstart's report, and its JSON result for the page with every optional field.
  const quickstart = join(work, 'quickstart.html');
  const quickstartJson = join(work, 'quickstart.json');

  before(async () => {
    if (skip) return;
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is required under CI=true (apt-get install chromium)`);
    const r = cachebench(['run', 'scenarios/quickstart.yaml', '--html', quickstart, '--json', quickstartJson]);
    assert.equal(r.code, 0, r.stderr);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  /** Opens a report from its file:// URL, every request routed, and reads back what each chart drew. */
  async function load(t: TestContext, file: string): Promise<LoadedPage> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts-drawn'), null, { timeout: 20_000 }).catch(() => {});
    const screenshot = file.replace(/\.html$/, '.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(statSync(screenshot).size > 10_000, 'a screenshot with something in it');
    t.diagnostic(`screenshot: ${screenshot}`);

    const loaded = (await page.evaluate(READ_CHARTS)) as Omit<LoadedPage, 'errors' | 'requests'>;
    await page.close();
    return { errors, requests, ...loaded };
  }

  /** Every chart drew: one canvas of non-zero size, painted, with its first series in its own colour. */
  function assertChartsDrawn(loaded: LoadedPage, expected: number): void {
    assert.deepEqual(loaded.errors, [], 'no console errors');
    assert.deepEqual(loaded.requests, [], 'no network requests');
    assert.equal(loaded.charts.length, expected, 'charts in the data');
    assert.equal(loaded.drawn, String(expected), 'charts drawn by the page');
    assert.equal(loaded.scripts, 3);
    for (const chart of loaded.charts) {
      assert.equal(chart.canvases, 1, `${chart.id}: one canvas`);
      assert.ok(chart.width > 300 && chart.height > 200, `${chart.id}: ${chart.width}×${chart.height}`);
      assert.ok(chart.painted > 1000, `${chart.id}: painted ${chart.painted} pixels`);
      assert.ok(chart.seriesPixels >= 20, `${chart.id}: ${chart.seriesPixels} pixels of its first series`);
    }
  }

  it('a timed run (the quickstart): cards, time series, latency percentiles and distribution', { skip }, async (t) => {
    const loaded = await load(t, quickstart);
    assertChartsDrawn(loaded, 7);
    assert.equal(loaded.title, 'cachebench: quickstart');
    for (const chart of loaded.charts) assert.ok(chart.shadedPixels < 50, `${chart.id}: no fault windows to shade`);
  });

  it('every optional field of the patterns engine: tiers, in-flight, errors, fault windows shaded; hostile names stay text', { skip }, async (t) => {
    const result: Result = JSON.parse(readFileSync(quickstartJson, 'utf8'));
    const run = { ...withPatternFields(result.runs[0]), name: HOSTILE };
    const file = join(work, 'patterns.html');
    writeFileSync(file, renderRunReportHtml({ ...result, scenario: { name: HOSTILE }, runs: [run] }, loadChartLibrary()));
    const loaded = await load(t, file);
    assertChartsDrawn(loaded, 7);
    assert.equal(loaded.pwned, undefined, 'no injected script ran');
    assert.equal(loaded.title, `cachebench: ${HOSTILE}`);
    assert.deepEqual(loaded.headings, [HOSTILE]);
    const hitRate = embeddedCharts(readFileSync(file, 'utf8')).find((c) => c.id === 'run-0-hit-rate');
    assert.equal(hitRate?.series.length, 3, 'any tier, L1, L2');
    for (const id of ['run-0-hit-rate', 'run-0-p99', 'run-0-db', 'run-0-staleness', 'run-0-traffic']) {
      const chart = loaded.charts.find((c) => c.id === id)!;
      assert.ok(chart.shadedPixels > 500, `${id}: fault windows shaded (${chart.shadedPixels} pixels)`);
    }
  });

  it('a matrix over a trace (no timing): bars of what differs, then each run', { skip }, async (t) => {
    const scenario = join(work, 'trace-matrix.yaml');
    writeFileSync(scenario, `name: trace-matrix\nworkload:\n  trace: ${trace}\ncache:\n  policy: lru\n  capacity: 1000\nmatrix:\n  cache.policy: [lru, fifo]\n`);
    const file = join(work, 'trace-matrix.html');
    const r = cachebench(['run', scenario, '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const loaded = await load(t, file);
    // Only the hit rate differs by more than 1% between LRU and FIFO here (16.7% and 16.1%; DB reads 94,823
    // and 95,520): its bars, then each run's hit rate along the replay and its requests/s.
    assertChartsDrawn(loaded, 1 + 2 * 2);
    assert.deepEqual(loaded.charts.map((c) => c.id), ['matrix-hit-rate', 'run-0-hit-rate', 'run-0-traffic', 'run-1-hit-rate', 'run-1-traffic']);
  });

  it('a capacity sweep: a line per policy across the sizes, drawn', { skip }, async (t) => {
    const scenario = join(work, 'capacity-sweep.yaml');
    writeFileSync(
      scenario,
      `name: capacity-sweep\nworkload:\n  trace: ${trace}\ncache:\n  capacity: 1000\nmatrix:\n  cache.policy: [lru, fifo]\n  cache.capacity: [100, 1000, 10000]\n`,
    );
    const file = join(work, 'capacity-sweep.html');
    const r = cachebench(['run', scenario, '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const loaded = await load(t, file);
    const specs = embeddedCharts(readFileSync(file, 'utf8'));
    const sweep = specs.filter((spec) => spec.id.startsWith('matrix'));
    assert.ok(sweep.length >= 2, sweep.map((spec) => spec.id).join(' '));
    for (const spec of sweep) {
      assert.equal(spec.kind, 'lines', spec.id);
      assert.deepEqual(spec.x.values, [100, 1000, 10_000], spec.id);
    }
    assert.deepEqual(sweep[0].series.map((s) => s.label), ['lru', 'fifo']);
    assertChartsDrawn(loaded, specs.length);
  });

  it('a comparison of stampede protections: bars of what differs, drawn', { skip }, async (t) => {
    const scenario = join(work, 'protections.yaml');
    writeFileSync(
      scenario,
      'name: protections\nworkload:\n  keys: 200\n  requests: 20k\n  rate: 2000/s\ndatabase:\n  latency: 20ms\ncache:\n  capacity: 1k\n  ttl: 2s\nmatrix:\n  cache.stampede.protection: [none, lock, coalesce]\n',
    );
    const file = join(work, 'protections.html');
    const r = cachebench(['run', scenario, '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const loaded = await load(t, file);
    const specs = embeddedCharts(readFileSync(file, 'utf8'));
    const herd = specs.find((spec) => spec.id === 'matrix-herd');
    assert.ok(herd, specs.map((spec) => spec.id).join(' '));
    assert.equal(herd.kind, 'bars');
    assert.deepEqual(herd.x.categories, ['none', 'lock', 'coalesce']);
    assertChartsDrawn(loaded, specs.length);
  });

  it('analyze: the miss-ratio curves with replayed policies and Belady, and the working set', { skip }, async (t) => {
    const file = join(work, 'analysis.html');
    const r = cachebench(['analyze', trace, '--policies', 'lru,fifo', '--html', file]);
    assert.equal(r.code, 0, r.stderr);
    const loaded = await load(t, file);
    assertChartsDrawn(loaded, 3);
    assert.deepEqual(
      loaded.charts.map((c) => c.id),
      ['mrc-entries', 'mrc-bytes', 'working-set'],
    );
  });
});
