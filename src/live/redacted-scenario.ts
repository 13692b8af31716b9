import type { Scenario } from '../scenario/scenario.js';
import { parsePostgresAddress } from './postgres-address.js';
import { parseRedisAddress } from './redis-address.js';

/** The scenario as the JSON result shows it: Redis and PostgreSQL URLs with their passwords as `***`. */
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
  if (scenario.cache === null || redis === undefined) return scenario;
  const mask = (url: string) => {
    try {
      return parseRedisAddress(url, 'url').display;
    } catch {
      return '***';
    }
  };
  return {
    ...scenario,
    cache: {
      ...scenario.cache,
      redis: {
        ...redis,
        url: redis.url === null ? null : mask(redis.url),
        cluster: redis.cluster === null ? null : redis.cluster.map(mask),
      },
    },
  };
}

/** `redis://user:password@host` (or postgres://) → `redis://user:***@host` wherever it appears in `text` (a run's name or a matrix value). */
export function redactRedisUrls(text: string): string {
  return text.replace(/((?:rediss?|postgres(?:ql)?):\/\/[^\s:/@]*:)[^\s@]*@/g, '$1***@');
}

/** A matrix run's name and parameters as they may be shown: a swept Redis URL with its password masked. */
export function redactedRun<T extends { name: string; params: Record<string, unknown> }>(run: T): T {
  const params = Object.fromEntries(
    Object.entries(run.params).map(([k, v]) => [k, typeof v === 'string' ? redactRedisUrls(v) : v]),
  );
  return { ...run, name: redactRedisUrls(run.name), params };
}
