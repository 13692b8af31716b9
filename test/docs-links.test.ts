import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { settablePaths } from '../src/scenario/schema-walk.js';
import { METRIC_NAMES } from '../src/thresholds/metric-catalog.js';

/** The README and every docs/ page: their relative links and #anchors resolve, and the reference covers the schema. */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The page's lines outside fenced code blocks (a `# comment` in a YAML block is no heading). */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/**
 * GitHub's heading anchors: the heading's text without markup, lower-cased, every character that is not a
 * letter, digit, space, hyphen or underscore dropped, each space a hyphen; a repeated slug gets -1, -2, …
 */
export function githubSlug(heading: string): string {
  const textOnly = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return textOnly.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Inline links `[text](target)` outside code, without the ones inside inline code spans. */
function linksOf(text: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(text)) {
    const withoutCode = line.replace(/`[^`]*`/g, '``');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push(match[1]);
  }
  return links;
}

describe('docs: links and anchors', () => {
  it('the slug rules match GitHub on the headings this project uses', () => {
    assert.equal(githubSlug('`workload` — recorded trace'), 'workload--recorded-trace');
    assert.equal(githubSlug('`cachebench run <scenario.yaml>`'), 'cachebench-run-scenarioyaml');
    assert.equal(githubSlug('`cachebench merge <result.json…>`'), 'cachebench-merge-resultjson');
    assert.equal(githubSlug('`--set` overrides'), '--set-overrides');
    assert.equal(githubSlug('Install and first run'), 'install-and-first-run');
  });

  it('the checker finds a broken link and a broken anchor', () => {
    assert.deepEqual(linksOf('see [a](docs/x.md#y) and `[not](a-link)`\n```\n[nor](this)\n```\n'), ['docs/x.md#y']);
    assert.ok(anchorsOf('# A\n## A\n```\n# not a heading\n```\n').has('a-1'));
    assert.ok(!anchorsOf('```\n# not a heading\n```\n').has('not-a-heading'));
  });

  for (const page of pages) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const text = readFileSync(join(root, page), 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
        const [path, anchor] = link.split('#', 2) as [string, string | undefined];
        const target = path === '' ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(path));
        if (!existsSync(target)) {
          broken.push(`${link}: no file ${relative(root, target)}`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!target.endsWith('.md') || statSync(target).isDirectory()) {
          broken.push(`${link}: an anchor into a file that is not Markdown`);
          continue;
        }
        if (!anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${relative(root, target)}`);
      }
      assert.deepEqual(broken, []);
    });
  }

  it('the README, the docs and the example scenarios cite no file outside the project', () => {
    const scenarios = readdirSync(join(root, 'scenarios'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.yaml'));
    const files = [...pages, ...scenarios.map((name) => `scenarios/${name}`)];
    const citing = files.filter((file) => /DESIGN\.md|STYLE\.md|shared\/traces|trace's README/.test(readFileSync(join(root, file), 'utf8')));
    assert.deepEqual(citing, []);
  });

  it('docs/README.md lists every page in docs/', () => {
    const contents = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
    const listed = new Set(linksOf(contents).map((link) => link.split('#')[0]));
    const missing = pages.filter((page) => page.startsWith('docs/') && page !== 'docs/README.md' && !listed.has(page.slice('docs/'.length)));
    assert.deepEqual(missing, []);
  });
});

describe('docs: the scenario reference covers the schema', () => {
  it('every scenario field appears in docs/scenario-reference.md, in code', () => {
    const reference = readFileSync(join(root, 'docs', 'scenario-reference.md'), 'utf8');
    // A field is documented when its name appears in code: `name`, `parent.name`, or `name:` in a YAML example.
    const code = [...proseLines(reference).join('\n').matchAll(/`([^`]+)`/g)].map((match) => match[1]).join('\n');
    const fenced = reference
      .split('```')
      .filter((_, i) => i % 2 === 1)
      .join('\n');
    const missing = settablePaths().filter((path) => {
      const name = path.split('.').at(-1) as string;
      const word = new RegExp(`(^|[^\\w-])${name.replace(/[-]/g, '\\-')}($|[^\\w-])`, 'm');
      return !word.test(code) && !new RegExp(`(^|[\\s{,])${name}:`, 'm').test(fenced);
    });
    assert.deepEqual(missing, []);
  });
});

/** `latency.{p50,p99}` → latency.p50, latency.p99 (nested braces expand left to right). */
function expandBraces(pattern: string): string[] {
  const match = /\{([^{}]*)\}/.exec(pattern);
  if (match === null) return [pattern];
  return match[1].split(',').flatMap((option) => expandBraces(pattern.slice(0, match.index) + option + pattern.slice(match.index + match[0].length)));
}

describe('docs: the threshold metrics', () => {
  it('docs/ci-gates.md lists exactly the metric catalogue', () => {
    const gates = readFileSync(join(root, 'docs', 'ci-gates.md'), 'utf8');
    const section = gates.slice(gates.indexOf('### Threshold metrics'), gates.indexOf('\n## ', gates.indexOf('### Threshold metrics')));
    const listed = new Set<string>();
    for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
      const firstCell = row.split(' | ')[0];
      for (const span of firstCell.matchAll(/`([^`]+)`/g)) for (const name of expandBraces(span[1])) listed.add(name);
    }
    assert.deepEqual(METRIC_NAMES.filter((name) => !listed.has(name)), [], 'catalogue metrics the docs do not list');
    assert.deepEqual([...listed].filter((name) => !METRIC_NAMES.includes(name)), [], 'listed metrics that are not in the catalogue');
  });
});
