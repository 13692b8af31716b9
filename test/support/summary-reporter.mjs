// Ends the test run with one line a CI can read: "57 passed, 0 failed, 2 skipped".
// Node's runner reports its totals as diagnostics ("pass 57", "fail 0", …) at the end of the run.
export default async function* summaryReporter(source) {
  const totals = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
  let seen = false;
  for await (const event of source) {
    if (event.type !== 'test:diagnostic' || event.data.nesting !== 0) continue;
    const match = /^(pass|fail|skipped|todo|cancelled) (\d+)$/.exec(event.data.message);
    if (match) {
      totals[match[1]] = Number(match[2]);
      seen = true;
    }
  }
  if (seen) yield `\n${totals.pass} passed, ${totals.fail + totals.cancelled} failed, ${totals.skipped + totals.todo} skipped\n`;
}
