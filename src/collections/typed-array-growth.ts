/**
 * Typed-array columns (per key id, per slot, per window) grow by copying into a larger array. One place
 * for that, so every column grows the same way: to a doubled length, new cells set to `fill`.
 */

/** The smallest length ≥ `needed` reached by doubling `current` (at least 16). */
export function doubledLength(current: number, needed: number): number {
  let length = Math.max(16, current);
  while (length < needed) length *= 2;
  return length;
}

export function grownInt32(column: Int32Array, length: number, fill = 0): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(column);
  if (fill !== 0) grown.fill(fill, column.length);
  return grown;
}

export function grownFloat64(column: Float64Array, length: number, fill = 0): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(length);
  grown.set(column);
  if (fill !== 0) grown.fill(fill, column.length);
  return grown;
}

export function grownUint8(column: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(length);
  grown.set(column);
  return grown;
}

/**
 * A free list of slot numbers grown from `oldCapacity` to `capacity` slots: its first `count` free slots
 * kept, then the new ones, so that the new ones are handed out lowest first (a list pops from its end).
 * The list now holds `count + capacity − oldCapacity` free slots.
 */
export function grownFreeList(free: Int32Array, count: number, oldCapacity: number, capacity: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(capacity);
  grown.set(free.subarray(0, count));
  let n = count;
  for (let slot = capacity - 1; slot >= oldCapacity; slot--) grown[n++] = slot;
  return grown;
}
