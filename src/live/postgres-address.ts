import { InputError } from '../errors.js';

/**
 * A PostgreSQL server as the scenario names it (`postgres://user:password@host:port/database`), with what
 * may be shown of it: the password is never printed, logged or written to JSON (`***`).
 */
export interface PostgresAddress {
  /** The URL as given, password included: for the client only. */
  readonly url: string;
  /** The URL with the password replaced by `***` (and no query string, which may carry one too). */
  readonly display: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export function parsePostgresAddress(text: string, field: string): PostgresAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${field}: expected a URL like postgres://user:password@127.0.0.1:5432/app`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InputError(`${field}: expected a postgres:// or postgresql:// URL; got a ${url.protocol.replace(/:$/, '')}:// one`);
  }
  if (url.search !== '') {
    throw new InputError(`${field}: query parameters (?…) are not supported; give user, password, host, port and database only`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new InputError(`${field}: the URL names no host; e.g. postgres://user@127.0.0.1:5432/app`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  return {
    url: text,
    display: `${url.protocol}//${url.username !== '' ? `${url.username}${url.password !== '' ? ':***' : ''}@` : ''}${url.host}${url.pathname.length > 1 ? url.pathname : ''}`,
    host,
    port: url.port === '' ? 5432 : Number(url.port),
    user: user === '' ? 'postgres' : user,
    password: decodeURIComponent(url.password),
    database: database === '' ? (user === '' ? 'postgres' : user) : database,
  };
}

/** Replaces the password (and the full URL) in a message: a driver's error may quote either. */
export function redactPostgres(message: string, address: PostgresAddress): string {
  let out = message;
  if (address.url !== address.display) out = out.split(address.url).join(address.display);
  if (address.password !== '') {
    out = out.split(address.password).join('***');
    const encoded = encodeURIComponent(address.password);
    if (encoded !== address.password) out = out.split(encoded).join('***');
  }
  return out;
}
