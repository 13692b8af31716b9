import assert from 'node:assert/strict';
import type { ChartSpec } from '../../src/report/html/chart-spec.js';

/** The chart specs embedded in an HTML report, read back the way the page's own script reads them. */
export function embeddedCharts(html: string): ChartSpec[] {
  const match = /<script type="application\/json" id="cachebench-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the data tag');
  return JSON.parse(match[1]).charts;
}
