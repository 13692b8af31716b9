import { editDistance } from '../scenario/field-suggestion.js';

/**
 * "Did you mean …?" for an unknown metric name, and a compact listing of the valid ones. Unlike a scenario
 * field, a metric name has structure (`latency.hits.p99`), so prefixes and tails are tried before spelling.
 */

const MAX_SUGGESTIONS = 6;

/**
 * The valid names the user most likely meant, best first; empty when none is close. Tried in order:
 * - the same name in another letter case (`Hit_Rate`);
 * - the tail of a valid name (`p99` for `latency.p99`): people drop the prefix;
 * - the start of valid names (`db.qps` for `db.qps_mean`, `db.qps_peak`): people drop the statistic;
 * - the nearest names by edit distance (`hit_ratio` for `hit_rate`), ties all suggested.
 */
export function suggestMetricNames(unknown: string, names: readonly string[]): string[] {
  const lowered = unknown.toLowerCase();
  // Only the letter case was wrong: that is the one meant.
  if (names.includes(lowered)) return [lowered];
  const byTail = names.filter((name) => name.endsWith(`.${lowered}`)).sort((a, b) => a.length - b.length);
  if (byTail.length > 0) return byTail.slice(0, 3);

  const completions = names.filter((name) => {
    if (!name.startsWith(lowered) || name.length === lowered.length) return false;
    const rest = name.slice(lowered.length);
    // Only one step further (`.p99`, `_peak`), not every metric below a prefix.
    return /^[._][^.]*$/.test(rest);
  });
  if (completions.length > 0) return completions.slice(0, MAX_SUGGESTIONS);

  let bestDistance = Number.POSITIVE_INFINITY;
  let nearest: string[] = [];
  for (const name of names) {
    const distance = editDistance(lowered, name);
    if (distance < bestDistance) {
      bestDistance = distance;
      nearest = [name];
    } else if (distance === bestDistance) {
      nearest.push(name);
    }
  }
  // Beyond roughly half the name, the "nearest" name is noise rather than a typo fix.
  const tolerance = Math.max(2, Math.floor(unknown.length / 2));
  return bestDistance <= tolerance ? nearest.slice(0, MAX_SUGGESTIONS) : [];
}

/** `a`, `a or b`, `a, b or c`: for "did you mean …?". */
export function joinAlternatives(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * Lists names with shared prefixes folded, `latency.{mean,p50,p99}`, so that the list of ~80 metrics
 * fits in an error message a person can read. Order of first appearance is kept.
 */
export function listMetricNames(names: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const dot = name.lastIndexOf('.');
    const prefix = dot === -1 ? '' : name.slice(0, dot);
    const tail = dot === -1 ? name : name.slice(dot + 1);
    const group = groups.get(prefix);
    if (group) group.push(tail);
    else groups.set(prefix, [tail]);
  }
  const parts: string[] = [];
  for (const [prefix, tails] of groups) {
    if (prefix === '') parts.push(...tails);
    else if (tails.length === 1) parts.push(`${prefix}.${tails[0]}`);
    else parts.push(`${prefix}.{${tails.join(',')}}`);
  }
  return parts.join(', ');
}
