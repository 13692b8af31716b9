/**
 * cachebench as a library: `import { run, analyze, merge } from 'cachebench'`. The functions do what the
 * commands of the same names do and resolve with what their `--json` writes; they print nothing and never
 * exit the process. Invalid input rejects with an InputError, a run that cannot complete with a RunFailure.
 */
export { type AnalyzeOptions, analyze } from './api/analyze.js';
export { type MergeOptions, merge } from './api/merge.js';
export { type RunOptions, run } from './api/run.js';
export { InputError, RunFailure } from './errors.js';
export { LiveRunStopped } from './live/live-run-stopped.js';
export { RunStopped } from './run/run-stopped.js';
export type { ProgressUpdate } from './run/run-progress.js';
export type * from './result/run-result.js';
export type { Finding, MissRatioCurveResult, TraceAnalysis, Verdict } from './analysis/trace-analysis.js';
export type { SimulatedPoint } from './analysis/policy-replay.js';
export type { Distribution, TraceProfile } from './analysis/trace-profile.js';
export type { Scenario } from './scenario/scenario.js';
