import { InputError } from '../errors.js';

/**
 * A Redis server as the scenario names it (`redis://[user:password@]host:port[/db]`, or `rediss://` for
 * TLS), with what may be shown of it: the password is never printed, logged or written to JSON (`***`).
 */
export interface RedisAddress {
  /** The URL as given, password included: for the client only. */
  readonly url: string;
  /** The URL with the password replaced by `***`. */
  readonly display: string;
  /** host:port, for messages. */
  readonly hostPort: string;
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly username: string;
  readonly tls: boolean;
  readonly db: number;
}

export function parseRedisAddress(text: string, field: string): RedisAddress {
  // host:port without a scheme parses as a URL of scheme "host:" (or not at all): say what was meant.
  if (!text.includes('://') && /^[\w.-]+(:\d+)?(\/\d+)?$/.test(text)) {
    throw new InputError(`${field}: expected a redis:// or rediss:// URL; got "${text}" (did you mean redis://${text}?)`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${field}: expected a URL like redis://127.0.0.1:6379/0 (or rediss:// for TLS)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InputError(`${field}: expected a redis:// or rediss:// URL; got a ${url.protocol.replace(/:$/, '')}:// one`);
  }
  const password = decodeURIComponent(url.password);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new InputError(`${field}: the database number after the port must be a whole number ≥ 0; got "${dbText}"`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? 6379 : Number(url.port);
  return {
    url: text,
    display: `${url.protocol}//${url.password !== '' ? `${url.username}:***@` : ''}${url.host}${url.pathname.length > 1 ? url.pathname : ''}`,
    hostPort: url.host,
    host,
    port,
    password,
    username: decodeURIComponent(url.username),
    tls: url.protocol === 'rediss:',
    db,
  };
}

/** Replaces every password of `addresses` in a message (an error from the client may quote the URL). */
export function redactPasswords(message: string, addresses: readonly RedisAddress[]): string {
  let out = message;
  for (const a of addresses) {
    if (a.password !== '') out = out.split(a.password).join('***');
    if (a.url !== a.display) out = out.split(a.url).join(a.display);
  }
  return out;
}
