import assert from 'node:assert/strict';
import type { ChartSpec } from '../../src/report/html/chart-spec.js';

/** The chart specs embedded in an HTML report, read back the way the page's own script reads them. */
export function embeddedCharts(html: string): ChartSpec[] {
  const match = /<script type="application\/json" id="cachebench-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the data tag');
  return JSON.parse(match[1]).charts;
}

/**
 * The rows of the server-counters table under `<h4>title</h4>` (a live run's client counts beside a
 * server's), as label → cells (text as shown, entities decoded), with the column heads under `head`.
 */
export function serverCounterTable(html: string, title: string): { head: string[]; rows: Map<string, string[]> } {
  const at = html.indexOf(`<h4>${title}</h4>`);
  assert.ok(at >= 0, `a server-counters table titled ${title}`);
  const table = /<table class="server-counters">([\s\S]*?)<\/table>/.exec(html.slice(at));
  assert.ok(table, `the table under ${title}`);
  const decode = (text: string) =>
    text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const cells = (row: string) => [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1]));
  const [headRow, ...bodyRows] = [...table[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => cells(row[1]));
  return { head: headRow, rows: new Map(bodyRows.map(([label, ...values]) => [label, values])) };
}
