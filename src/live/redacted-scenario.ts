import { redactSecrets, redactUrlCredentials } from '../result/redaction.js';
import type { Scenario } from '../scenario/scenario.js';
import { parsePostgresAddress } from './postgres-address.js';
import { parseRedisAddress } from './redis-address.js';

/**
 * The scenario as the JSON result shows it: the Redis and PostgreSQL URLs in their display form (a URL
 * that does not parse as `***`), then every other URL's password as `***` wherever it is written — a
 * matrix sweeping the URLs, a run's name.
 */
export function redactedScenario(scenario: Scenario): Scenario {
  const postgres = scenario.database.postgres;
  if (postgres !== undefined) {
    let url: string;
    try {
      url = parsePostgresAddress(postgres.url, 'url').display;
    } catch {
      url = '***';
    }
    scenario = { ...scenario, database: { ...scenario.database, postgres: { ...postgres, url } } };
  }
  const redis = scenario.cache?.redis;
  if (scenario.cache === null || redis === undefined) return redactSecrets(scenario);
  const mask = (url: string) => {
    try {
      return parseRedisAddress(url, 'url').display;
    } catch {
      return '***';
    }
  };
  return redactSecrets({
    ...scenario,
    cache: {
      ...scenario.cache,
      redis: {
        ...redis,
        url: redis.url === null ? null : mask(redis.url),
        cluster: redis.cluster === null ? null : redis.cluster.map(mask),
      },
    },
  });
}

/** `redis://user:password@host` (or postgres://, any scheme) → `redis://user:***@host` wherever it appears in `text`. */
export function redactRedisUrls(text: string): string {
  return redactUrlCredentials(text);
}

/** A matrix run's name and parameters as they may be shown: a swept URL with its password masked. */
export function redactedRun<T extends { name: string; params: Record<string, unknown> }>(run: T): T {
  return { ...run, name: redactUrlCredentials(run.name), params: redactSecrets(run.params) };
}
