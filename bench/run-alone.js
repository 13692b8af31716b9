// `node bench/run-alone.js <build root> <scenario.json> <result.json>`: every combination of the scenario's
// matrix run alone, one after another, in this one process, through that build's API — what a matrix cost
// before its runs shared a pass, for bench/run.js to set beside the one-pass sweep (no process start-ups
// in between to flatter the sweep). Writes `{ runs: [...] }` in the matrix's order.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [buildRoot, scenarioFile, resultFile] = process.argv.slice(2);
const { run } = await import(pathToFileURL(join(buildRoot, 'dist', 'api', 'run.js')).href);
const { matrix, ...single } = JSON.parse(readFileSync(scenarioFile, 'utf8'));
// The first axis varies slowest, as in a matrix.
let combinations = [[]];
for (const [field, values] of Object.entries(matrix ?? {})) {
  combinations = combinations.flatMap((set) => values.map((value) => [...set, `${field}=${value}`]));
}
const runs = [];
for (const set of combinations) runs.push(...(await run(single, { set })).runs);
writeFileSync(resultFile, JSON.stringify({ runs }));
