/**
 * GitHub-flavoured Markdown building blocks for the CI summaries (`--markdown`): escaped text, code spans
 * and pipe tables. Everything that comes from the user (run names, matrix values, rules) goes through
 * `markdownText` or `codeSpan`, so it can neither break a table nor turn into markup.
 */

export type ColumnAlign = 'left' | 'right' | 'center';

const ALIGN_RULES: Readonly<Record<ColumnAlign, string>> = { left: ':--', right: '--:', center: ':-:' };

/** Text with Markdown's punctuation escaped (and `|`, which would end a table cell); one line. */
export function markdownText(value: string): string {
  return value.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|#~!]/g, (c) => `\\${c}`);
}

/**
 * A code span: literal text (`<`, `*` stay as typed). The fence is longer than any run of backticks inside,
 * and `|` is escaped, which GitHub honours inside code spans in tables.
 */
export function codeSpan(value: string): string {
  const inner = value.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(inner.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = inner.startsWith('`') || inner.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${inner}${pad}${fence}`;
}

/** A pipe table; cells are already Markdown (escape user text before). */
export function markdownTable(head: string[], align: ColumnAlign[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(align.map((a) => ALIGN_RULES[a])), ...rows.map(line)].join('\n');
}
