import { type CompareRule, CompareRuleError, parseCompareRule } from '../../compare/compare-rule.js';
import { compareResults, type SourcedRule } from '../../compare/compare-results.js';
import { readResultFile, scenarioCompareRules } from '../../result/result-file.js';
import { InputError } from '../../errors.js';
import { serializeComparison } from '../../report/comparison-json.js';
import { renderComparisonMarkdown } from '../../report/comparison-markdown.js';
import { renderComparison } from '../../report/comparison-table.js';
import { renderComparisonJunit } from '../../report/junit-report.js';
import { checkDistinctOutputs, OutputFile, type ReadFile } from '../output-file.js';
import type { Terminal } from '../terminal.js';

export interface CompareOptions {
  /** `--fail-on` rules, in the order given. */
  failOn: string[];
  json?: string;
  junit?: string;
  markdown?: string;
  color?: boolean;
}

/**
 * `cachebench compare <baseline.json> <current.json>`: every metric's change between two results of
 * `cachebench run --json`, run by run, and the gate: exit 1 exactly when a rule (`--fail-on`, or the
 * current result's `scenario.compare`) is broken.
 */
export function compareCommand(baselineFile: string, currentFile: string, options: CompareOptions, terminal: Terminal): number {
  checkDistinctOutputs([
    { flag: '--json', path: options.json },
    { flag: '--junit', path: options.junit },
    { flag: '--markdown', path: options.markdown },
  ]);
  const flagRules = options.failOn.map((rule, index) => parseFlagRule(rule, index));
  const baseline = readResultFile(baselineFile);
  const current = readResultFile(currentFile);
  const scenarioRules = scenarioCompareRules(current, currentFile).map((rule, index) => parseCarriedRule(rule, index, currentFile));
  const rules: SourcedRule[] = [
    ...flagRules.map((rule) => ({ rule, source: 'flag' as const })),
    ...scenarioRules.map((rule) => ({ rule, source: 'scenario' as const })),
  ];
  const comparison = compareResults({ file: baselineFile, result: baseline }, { file: currentFile, result: current }, rules);

  const jsonToStdout = options.json === '-';
  const outputs: [flag: string, path: string | undefined, render: () => string][] = [
    ['--json', jsonToStdout ? undefined : options.json, () => serializeComparison(comparison)],
    ['--junit', options.junit, () => renderComparisonJunit(comparison)],
    ['--markdown', options.markdown, () => renderComparisonMarkdown(comparison)],
  ];
  // Every file is checked before any is written: a bad path fails before a report is written.
  const inputs: ReadFile[] = [
    { role: 'the baseline', path: baselineFile },
    { role: 'the current result', path: currentFile },
  ];
  const files = outputs.flatMap(([flag, path, render]) => (path === undefined ? [] : [{ file: OutputFile.open(flag, path, inputs), render }]));
  for (const { file, render } of files) {
    file.write(render());
    file.close();
  }

  // The human table goes to stderr when stdout carries the JSON.
  const say = jsonToStdout ? terminal.stderr : terminal.stdout;
  const color = options.color !== false && (jsonToStdout ? terminal.stderrColor : terminal.stdoutColor);
  if (jsonToStdout) terminal.stdout(serializeComparison(comparison));
  say(`${renderComparison(comparison, { color })}\n`);
  return comparison.pass ? 0 : 1;
}

function parseFlagRule(rule: string, index: number): CompareRule {
  try {
    return parseCompareRule(rule, index);
  } catch (error) {
    if (error instanceof CompareRuleError) throw new InputError(`--fail-on ${JSON.stringify(rule)}: ${error.reason}`);
    throw error;
  }
}

/** A rule carried in a result's scenario: checked when the scenario ran, but the file may be older or edited. */
function parseCarriedRule(rule: string, index: number, file: string): CompareRule {
  try {
    return parseCompareRule(rule, index);
  } catch (error) {
    if (error instanceof CompareRuleError) throw new InputError(`${file}: scenario.compare[${index}]: ${error.message}`);
    throw error;
  }
}
