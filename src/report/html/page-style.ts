/** The report's stylesheet: system fonts only (a web font would be a network request), light and print-friendly. */
export const PAGE_STYLE = `
:root {
  --text: #111827; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f8fafc;
  --pass: #15803d; --pass-bg: #dcfce7; --fail: #b91c1c; --fail-bg: #fee2e2; --accent: #2563eb;
}
* { box-sizing: border-box; }
body {
  margin: 0; padding: 24px 32px 48px; background: var(--page); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header { margin-bottom: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
.subtitle, .caption, .note { color: var(--muted); }
.caption { font-size: 12px; margin: 6px 0 0; }
.verdict { font-size: 15px; font-weight: 600; margin: 4px 0 16px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; margin: 12px 0 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 26px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: 12px; }
.card.pass { border-color: #86efac; background: var(--pass-bg); }
.card.pass .value { color: var(--pass); }
.card.fail { border-color: #fca5a5; background: var(--fail-bg); }
.card.fail .value { color: var(--fail); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart-area { width: 100%; min-height: 280px; }
table { border-collapse: collapse; background: var(--panel); font-variant-numeric: tabular-nums; }
table.matrix { margin-bottom: 16px; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child, table.matrix td:has(> code), table.matrix th.params { text-align: left; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
tr.section td { font-weight: 650; padding-top: 10px; color: var(--text); }
td.indent { padding-left: 24px; }
h4 { font-size: 14px; margin: 14px 0 6px; }
td.unavailable { color: var(--muted); font-style: italic; }
.status-pass { color: var(--pass); font-weight: 650; }
.status-fail { color: var(--fail); font-weight: 650; }
.tables { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
ul.findings { padding-left: 20px; }
ul.findings li.applies { font-weight: 600; }
nav ol { margin: 4px 0; padding-left: 20px; }
.uplot { font-family: inherit; }
@media print { body { background: #fff; padding: 0; } .card, figure.chart { break-inside: avoid; } }
`;
