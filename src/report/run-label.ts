/**
 * How a run is named in reports: its name, and its matrix parameters as `path=value` pairs in the order the
 * matrix gave them, e.g. `cache.policy=lru cache.capacity=10000`.
 */
export function formatRunParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([path, value]) => `${path}=${formatParamValue(value)}`)
    .join(' ');
}

export function formatRunLabel(name: string, params: Record<string, unknown>): string {
  const described = formatRunParams(params);
  if (name === '') return described;
  return described === '' ? name : `${name} (${described})`;
}

/** A matrix value as the scenario wrote it: `64MB`, `lru`, `10000`. */
export function formatParamValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}
