import type { ComparisonResult } from '../result/comparison-result.js';
import type { Result, RunResult, ThresholdResult } from '../result/run-result.js';
import { pairLabel } from './comparison-table.js';
import { describeRuleOutcome, formatRuleAllowance } from './metric-change-format.js';
import { formatThresholdActual } from './threshold-table.js';
import { displayedInput } from './display-text.js';

/**
 * JUnit XML for CI test reporters (GitHub, GitLab, Jenkins): one <testsuite> per run, one <testcase> per
 * threshold (`run --junit`) or compare rule (`compare --junit`), a <failure> whose message gives the
 * actual value against what was expected. The layout is the common denominator those tools read
 * (the Ant/Surefire schema); there is no `time`, since a simulated run's clock is not the test's duration.
 * A run that stopped early must not read as a pass: its suite is named `… (partial)`, carries `partial`
 * and `partial_reason` properties, and holds one more case, `run completed`, in error, with the reason in
 * its message and its system-out (what GitHub's and GitLab's test pages show).
 */

interface JunitCase {
  name: string;
  classname: string;
  failure?: { type: string; message: string; detail: string };
  /** Something went wrong outside the assertions (the run stopped early): counted in `errors`. */
  error?: { type: string; message: string; detail: string };
  skipped?: string;
  systemOut?: string;
}

/** The case a partial run's suite adds, in error, so that no CI page shows the suite as passed. */
export const RUN_COMPLETED_CASE = 'run completed';

interface JunitSuite {
  name: string;
  properties: Record<string, string>;
  cases: JunitCase[];
}

/** `cachebench run --junit`: each run a suite, each threshold a test case. */
export function renderRunJunit(result: Result): string {
  result = displayedInput(result); // control characters escaped, URL passwords masked
  const scenario = result.scenario as { name?: unknown } | null;
  const name = typeof scenario?.name === 'string' ? scenario.name : (result.runs[0]?.name ?? '');
  const suites = result.runs.map((run) => runSuite(run, result.partial_reason));
  // Runs that never started (a matrix stopped between runs): no suite of a run says so, so one of its own does.
  if (result.partial && !result.runs.some((run) => run.partial)) {
    const reason = result.partial_reason ?? 'the runs stopped early';
    suites.push({
      name: 'unfinished runs (partial)',
      properties: { partial: 'true', partial_reason: reason },
      cases: [
        {
          name: 'every run of the scenario completed',
          classname: name,
          error: { type: 'partial', message: `the result is partial: ${reason}`, detail: `the result is partial: ${reason}; the runs without a suite did not run` },
          systemOut: `partial result: ${reason}`,
        },
      ],
    });
  }
  return renderJunit(`cachebench run ${name}${result.partial ? ' (partial)' : ''}`, suites);
}

function runSuite(run: RunResult, resultReason: string | undefined): JunitSuite {
  // A matrix run's parameters, one property each: what a CI page shows beside the suite.
  const properties: Record<string, string> = Object.fromEntries(
    Object.entries(run.params ?? {}).map(([path, value]) => [path, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
  const cases = run.thresholds.map((threshold) => thresholdCase(run, threshold));
  if (!run.partial) return { name: run.name, properties, cases };
  const reason = run.partial_reason ?? 'stopped early';
  properties.partial = 'true';
  properties.partial_reason = reason;
  const context = resultReason !== undefined && resultReason !== reason ? ` (the result: ${resultReason})` : '';
  const message = `the run stopped early: ${reason}`;
  cases.push({
    name: RUN_COMPLETED_CASE,
    classname: run.name,
    error: {
      type: 'partial',
      message,
      detail: `${message}${context}; its numbers, and the thresholds above, cover only the requests until then`,
    },
    systemOut: `partial run: ${reason}${context}`,
  });
  return { name: `${run.name} (partial)`, properties, cases };
}

function thresholdCase(run: RunResult, threshold: ThresholdResult): JunitCase {
  const testCase: JunitCase = { name: threshold.expr, classname: run.name };
  if (threshold.pass) return testCase;
  const actual = formatThresholdActual(threshold.expr, threshold.actual, threshold.unreliable, threshold.approximate);
  const exact = threshold.actual === null ? 'no samples' : String(threshold.actual);
  testCase.failure = {
    type: 'threshold',
    message: `actual: ${actual}; expected: ${threshold.expr}`,
    detail: `threshold ${threshold.expr} failed in run ${run.name}: the metric is ${exact} (${actual})`,
  };
  return testCase;
}

/** `cachebench compare --junit`: each pair of runs a suite, each rule a test case; an unpaired run's rules are skipped. */
export function renderComparisonJunit(comparison: ComparisonResult): string {
  comparison = displayedInput(comparison); // control characters escaped, URL passwords masked
  const suites: JunitSuite[] = comparison.runs.map((run) => ({
    name: pairLabel(run),
    properties: { baseline: comparison.baseline.file, current: comparison.current.file },
    cases: run.rules.map((rule) => {
      const testCase: JunitCase = { name: rule.rule, classname: run.name };
      if (rule.pass) return testCase;
      const actual = describeRuleOutcome(rule);
      const expected = formatRuleAllowance(rule);
      testCase.failure = {
        type: 'compare-rule',
        message: `actual: ${actual}; expected: ${expected}`,
        detail: `rule ${rule.rule} broken in run ${run.name}: ${actual}; allowed is ${expected} (baseline ${rule.baseline}, current ${rule.current})`,
      };
      return testCase;
    }),
  }));
  const unpairedSuite = (name: string, missingFrom: string): JunitSuite => ({
    name,
    properties: {},
    cases: comparison.rules.map((rule) => ({ name: rule, classname: name, skipped: `no run named ${name} in ${missingFrom}` })),
  });
  suites.push(...comparison.unpaired.current.map((name) => unpairedSuite(name, comparison.baseline.file)));
  suites.push(...comparison.unpaired.baseline.map((name) => unpairedSuite(name, comparison.current.file)));
  return renderJunit(`cachebench compare ${comparison.baseline.file} ${comparison.current.file}`, suites);
}

function renderJunit(name: string, suites: JunitSuite[]): string {
  const count = (suite: JunitSuite, what: 'failure' | 'error' | 'skipped') => suite.cases.filter((c) => c[what] !== undefined).length;
  const total = (what: 'failure' | 'error' | 'skipped' | 'tests') =>
    suites.reduce((sum, suite) => sum + (what === 'tests' ? suite.cases.length : count(suite, what)), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attribute(name)}" tests="${total('tests')}" failures="${total('failure')}" errors="${total('error')}" skipped="${total('skipped')}">`,
  ];
  for (const suite of suites) {
    lines.push(
      `  <testsuite name="${attribute(suite.name)}" tests="${suite.cases.length}" failures="${count(suite, 'failure')}" errors="${count(suite, 'error')}" skipped="${count(suite, 'skipped')}">`,
    );
    const properties = Object.entries(suite.properties);
    if (properties.length > 0) {
      lines.push('    <properties>');
      for (const [key, value] of properties) lines.push(`      <property name="${attribute(key)}" value="${attribute(value)}"/>`);
      lines.push('    </properties>');
    }
    for (const testCase of suite.cases) lines.push(...renderCase(testCase));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function renderCase(testCase: JunitCase): string[] {
  const open = `    <testcase name="${attribute(testCase.name)}" classname="${attribute(testCase.classname)}"`;
  const systemOut = testCase.systemOut === undefined ? [] : [`      <system-out>${text(testCase.systemOut)}</system-out>`];
  for (const kind of ['failure', 'error'] as const) {
    const outcome = testCase[kind];
    if (outcome === undefined) continue;
    const { type, message, detail } = outcome;
    return [
      `${open}>`,
      `      <${kind} type="${attribute(type)}" message="${attribute(message)}">${text(detail)}</${kind}>`,
      ...systemOut,
      '    </testcase>',
    ];
  }
  if (testCase.skipped !== undefined) return [`${open}>`, `      <skipped message="${attribute(testCase.skipped)}"/>`, '    </testcase>'];
  return [`${open}/>`];
}

/**
 * Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are dropped:
 * a run name comes from the user's scenario and may hold anything.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** In attributes, quotes are escaped too, and whitespace other than a space, which parsers would turn into spaces. */
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

export function text(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>]/g, (c) => TEXT_ESCAPES[c]);
}

export function attribute(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]);
}
