import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node, visit } from 'yaml';

/**
 * How many values a scenario's YAML may expand to once its aliases (`*name`) are replaced by what their
 * anchors (`&name`) hold. A real scenario has a few hundred; a "billion laughs" file (anchors of lists of
 * aliases of lists…) has 10^9 from a few hundred bytes, so it is refused before it is expanded.
 */
export const MAX_EXPANDED_VALUES = 100_000;

/** An alias the document cannot use, with the byte offset of the alias in the text. */
export interface AliasProblem {
  offset: number;
  message: string;
}

/**
 * Checks a parsed document's aliases before it is turned into data: each must name an anchor set before
 * it (YAML 1.2 §3.2.2.2), none may sit inside its own anchor, and all together may not expand the
 * document past MAX_EXPANDED_VALUES values. Returns the first problem, or undefined.
 */
export function aliasProblem(document: Document): AliasProblem | undefined {
  // In document order, as yaml's own Alias.resolve looks them up: the last anchor of the name before the alias.
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  let problem: AliasProblem | undefined;
  visit(document, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target === undefined) {
          problem = {
            offset: node.range?.[0] ?? 0,
            message: `the alias *${node.source} names no anchor: write &${node.source} on a value before it, or write the value out`,
          };
          return visit.BREAK;
        }
        targets.set(node, target);
      } else if (node.anchor !== undefined) {
        anchors.set(node.anchor, node);
      }
      return undefined;
    },
  });
  if (problem !== undefined || targets.size === 0) return problem;

  // Expanded sizes, memoised per node: an anchor used a million times is counted once.
  const sizes = new Map<Node, number>();
  const expanding = new Set<Node>();
  const sizeOf = (node: unknown): number => {
    if (node === null || node === undefined || isScalar(node)) return 1;
    const known = sizes.get(node as Node);
    if (known !== undefined) return known;
    if (expanding.has(node as Node)) throw new SelfReference(node as Node);
    expanding.add(node as Node);
    let size = 1;
    if (isAlias(node)) size = sizeOf(targets.get(node));
    else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        size += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : sizeOf(item);
        if (size > MAX_EXPANDED_VALUES) break;
      }
    }
    expanding.delete(node as Node);
    size = Math.min(size, MAX_EXPANDED_VALUES + 1);
    sizes.set(node as Node, size);
    return size;
  };

  // Walk the document as written, counting each alias as what it expands to; the alias that crosses the
  // bound is the one named.
  let total = 0;
  visit(document, {
    Node: (_key, node) => {
      try {
        total += isAlias(node) ? sizeOf(node) : 1;
      } catch (error) {
        if (!(error instanceof SelfReference)) throw error;
        problem = {
          offset: node.range?.[0] ?? 0,
          message: `the alias *${(node as { source?: string }).source ?? ''} is inside the value its anchor names, so it would expand forever`,
        };
        return visit.BREAK;
      }
      if (total > MAX_EXPANDED_VALUES) {
        problem = {
          offset: node.range?.[0] ?? 0,
          message: `the aliases expand the scenario to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (an alias bomb?); write the values out or use fewer aliases`,
        };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return problem;
}

class SelfReference extends Error {
  constructor(readonly node: Node) {
    super('alias inside its own anchor');
  }
}
