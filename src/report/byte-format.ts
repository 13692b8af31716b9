const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * Bytes with three significant figures in the units scenarios use, which are binary (1KB = 1024 bytes, as
 * libCacheSim counts): `512 B`, `64 KB`, `1.5 MB`.
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
  return `${text} ${BYTE_UNITS[unit]}`;
}
