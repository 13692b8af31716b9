/** Typed arrays indexed by key id grow as a trace reveals new keys; these keep that in one place. */

export function grownInt32(array: Int32Array<ArrayBuffer>, minLength: number, fill: number): Int32Array<ArrayBuffer> {
  if (array.length >= minLength) return array;
  let length = Math.max(16, array.length);
  while (length < minLength) length *= 2;
  const next = new Int32Array(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

export function grownFloat64(array: Float64Array<ArrayBuffer>, minLength: number, fill: number): Float64Array<ArrayBuffer> {
  if (array.length >= minLength) return array;
  let length = Math.max(16, array.length);
  while (length < minLength) length *= 2;
  const next = new Float64Array(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
