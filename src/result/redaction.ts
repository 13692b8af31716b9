/**
 * Secrets in what a result, a report or a message may show. A URL's password (`redis://user:pw@host`,
 * `rediss://:pw@host`, `postgres://user:pw@host/db`, any scheme) becomes `***`; the user name, host, port
 * and path stay, so the reader still sees which server was meant. One rule for every URL, wherever it
 * sits — a resolved scenario field, a matrix value, a run's name, a `--set` flag echoed in an error — so a
 * new kind of URL field is covered without being listed here.
 */

// scheme://[user]:password@ — the password runs to the last "@" before the path, query, fragment or a blank
// (the WHATWG URL parser also splits userinfo at the last "@").
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#]*@/gi;

/** Placeholders the tool's own hints write where a password goes (`redis://:PASSWORD@host:port`): left as they are. */
const PLACEHOLDERS = new Set(['PASSWORD', '<password>', '***']);

/** `text` with the password of every URL in it replaced by `***`. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_CREDENTIALS, (match: string, head: string) => (PLACEHOLDERS.has(match.slice(head.length, -1)) ? match : `${head}***@`));
}

/** A copy of plain data (a scenario, a result) with every string — values and keys — passed through `redactUrlCredentials`. */
export function redactSecrets<T>(value: T): T {
  return mapStrings(value, redactUrlCredentials) as T;
}

/** A copy of plain JSON-like data with `transform` applied to every string, object keys included. */
export function mapStrings(value: unknown, transform: (text: string) => string): unknown {
  if (typeof value === 'string') return transform(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, transform));
  if (ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[transform(key)] = mapStrings(item, transform);
  return out;
}
