import { type Document, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { aliasProblem, MAX_EXPANDED_VALUES } from './yaml-aliases.js';

export type FieldPath = readonly (string | number)[];

/**
 * A scenario file's YAML document with its line table, so a field path can be turned into `file:line:col`
 * after the document has been converted to plain data.
 */
export class ScenarioSource {
  private constructor(
    /** The file as the user named it, for messages. */
    readonly displayName: string,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML text; malformed YAML is an InputError with the file, line, column and the parser's message. */
  static parse(text: string, displayName: string): ScenarioSource {
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const problem = document.errors[0];
    if (problem) {
      const { line, col } = lines.linePos(problem.pos[0]);
      // yaml reports a nesting deeper than its recursion can go as the engine's own RangeError text.
      const message = problem.message.includes('Maximum call stack size exceeded')
        ? 'the values nest too deeply to read (a scenario nests a few levels, not hundreds)'
        : problem.message.replace(/\s+/g, ' ').trim();
      throw new InputError(`${displayName}:${line}:${col}: invalid YAML: ${message}`);
    }
    const aliases = aliasProblem(document);
    if (aliases !== undefined) {
      const { line, col } = lines.linePos(aliases.offset);
      throw new InputError(`${displayName}:${line}:${col}: invalid YAML: ${aliases.message}`);
    }
    return new ScenarioSource(displayName, document, lines);
  }

  /** The document as plain data (maps become objects, `1k` stays the string "1k"). */
  toData(): unknown {
    // aliasProblem has bounded the expansion already; yaml's own count is a second line of defence.
    return this.document.toJS({ maxAliasCount: MAX_EXPANDED_VALUES });
  }

  /**
   * `file:line:col` of the field at `path`: of its value, or of its key when `at` is 'key'. A path that is
   * not in the file (a default, a field the user left out) points at the nearest enclosing field that is.
   */
  locate(path: FieldPath, at: 'key' | 'value' = 'value'): string {
    let node: unknown = this.document.contents;
    let offset = isNode(node) && node.range ? node.range[0] : 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        const keyOffset = isNode(pair.key) && pair.key.range ? pair.key.range[0] : offset;
        const value = pair.value;
        // A scalar is shown where it is written; a nested map or list (or an empty value) at its key.
        const valueOffset = isScalar(value) && value.range ? value.range[0] : undefined;
        offset = (last && at === 'key') || valueOffset === undefined ? keyOffset : valueOffset;
        node = value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        const item = node.items[segment];
        if (isNode(item) && item.range) offset = item.range[0];
        node = item;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return `${this.displayName}:${Math.max(line, 1)}:${Math.max(col, 1)}`;
  }
}
