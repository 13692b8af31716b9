import { doubledLength, grownInt32 } from '../collections/typed-array-growth.js';

/** What `access` returns for a key with no live previous access (first access, or invalidated since). */
export const COLD = -1;

/**
 * LRU stack distances (Mattson et al., "Evaluation techniques for storage hierarchies", 1970) in O(log n)
 * per access, after Bennett & Kruskal (1975) and Almási et al. (2002): a Fenwick tree over access
 * positions holds a 1 at the latest position of every live key. An access to key k last seen at position p
 * has stack distance = the number of marks after p = the distinct keys accessed since; then k's mark moves
 * to the current position. An LRU cache of C entries hits exactly the accesses with distance < C.
 *
 * Positions are renumbered (compacted) whenever they run out, keeping only live marks, so the tree holds
 * at most a few times the live keys: memory grows with distinct keys, never with requests, and the tree
 * stays small enough to sit in cache.
 *
 * Optionally (`trackBytes`) a second tree holds each live key's size, giving the byte stack distance: the
 * bytes an LRU cache must hold for the access to hit (its own size plus every distinct key since).
 */
export class LruStackDistance {
  /** Fenwick tree of marks, 1-based: tree[i] covers positions (i − lowbit(i), i]. */
  private tree: Int32Array;
  /** Fenwick tree of sizes, same layout; empty until bytes are tracked. */
  private byteTree = new Float64Array(0);
  /** Position → key whose latest access it holds, or -1. */
  private keyAtPosition: Int32Array;
  /** Key → its latest position, or -1 (never seen, or invalidated). */
  private positionOfKey = new Int32Array(1024).fill(-1);
  /** Key → its size at its latest access; only kept when bytes are tracked. */
  private sizeOfKey = new Int32Array(0);
  private nextPosition = 0;
  /** Live marks (keys in the stack). */
  private live = 0;
  private liveBytes = 0;
  /** Byte stack distance of the last access that was not cold. */
  lastByteDistance = 0;

  private trackBytes = false;

  constructor(initialPositions = 1 << 16) {
    this.tree = new Int32Array(initialPositions + 1);
    this.keyAtPosition = new Int32Array(initialPositions).fill(-1);
  }

  get tracksBytes(): boolean {
    return this.trackBytes;
  }

  /**
   * Starts tracking byte distances, given that every access so far had `uniformSize` bytes. Starting late
   * costs one rebuild; traces whose objects all have one size never pay for the second tree (their byte
   * distance is (distance + 1) × size).
   */
  trackBytesFrom(uniformSize: number): void {
    if (this.trackBytes) return;
    this.trackBytes = true;
    this.sizeOfKey = new Int32Array(this.positionOfKey.length).fill(uniformSize);
    this.byteTree = new Float64Array(this.tree.length);
    this.liveBytes = this.live * uniformSize;
    this.compact();
  }

  /** Keys currently in the stack. */
  get depth(): number {
    return this.live;
  }

  /** Whether `key` has a live mark. */
  has(key: number): boolean {
    return key < this.positionOfKey.length && this.positionOfKey[key] >= 0;
  }

  /**
   * Records an access to `key` (of `size` bytes when bytes are tracked) and returns its stack distance:
   * the number of distinct keys accessed since its previous access, or COLD. When not cold and bytes are
   * tracked, `lastByteDistance` is set to the byte stack distance (measured with the key's previous size).
   */
  access(key: number, size = 1): number {
    if (key >= this.positionOfKey.length) this.growKeys(key + 1);
    if (this.nextPosition === this.keyAtPosition.length) this.compact();
    const tree = this.tree;
    const positions = tree.length - 1;
    const previous = this.positionOfKey[key];
    let distance = COLD;
    if (previous >= 0) {
      // Marks in [0, previous], own mark included; the rest lie after it.
      let prefix = 0;
      for (let i = previous + 1; i > 0; i -= i & -i) prefix += tree[i];
      distance = this.live - prefix;
      for (let i = previous + 1; i <= positions; i += i & -i) tree[i]--;
      this.keyAtPosition[previous] = -1;
      this.live--;
      if (this.trackBytes) {
        const byteTree = this.byteTree;
        const oldSize = this.sizeOfKey[key];
        let bytePrefix = 0;
        for (let i = previous + 1; i > 0; i -= i & -i) bytePrefix += byteTree[i];
        this.lastByteDistance = this.liveBytes - bytePrefix + oldSize;
        for (let i = previous + 1; i <= positions; i += i & -i) byteTree[i] -= oldSize;
        this.liveBytes -= oldSize;
      }
    }
    const now = this.nextPosition++;
    for (let i = now + 1; i <= positions; i += i & -i) tree[i]++;
    this.keyAtPosition[now] = key;
    this.positionOfKey[key] = now;
    this.live++;
    if (this.trackBytes) {
      const byteTree = this.byteTree;
      for (let i = now + 1; i <= positions; i += i & -i) byteTree[i] += size;
      this.sizeOfKey[key] = size;
      this.liveBytes += size;
    }
    return distance;
  }

  /** Takes `key` out of the stack (an invalidation): its next access is cold. */
  remove(key: number): void {
    if (key >= this.positionOfKey.length) return;
    const previous = this.positionOfKey[key];
    if (previous < 0) return;
    const tree = this.tree;
    const positions = tree.length - 1;
    for (let i = previous + 1; i <= positions; i += i & -i) tree[i]--;
    if (this.trackBytes) {
      const oldSize = this.sizeOfKey[key];
      for (let i = previous + 1; i <= positions; i += i & -i) this.byteTree[i] -= oldSize;
      this.liveBytes -= oldSize;
    }
    this.keyAtPosition[previous] = -1;
    this.positionOfKey[key] = -1;
    this.live--;
  }

  /** Removes every key for which `keep` is false (switching from exact to sampled: SHARDS keeps a subset). */
  retainOnly(keep: (key: number) => boolean): void {
    for (let p = 0; p < this.nextPosition; p++) {
      const key = this.keyAtPosition[p];
      if (key >= 0 && !keep(key)) this.remove(key);
    }
    this.compact();
  }

  private growKeys(needed: number): void {
    const length = doubledLength(this.positionOfKey.length, needed);
    this.positionOfKey = grownInt32(this.positionOfKey, length, -1);
    if (this.trackBytes) this.sizeOfKey = grownInt32(this.sizeOfKey, length);
  }

  /**
   * Renumbers live marks to 0..live−1 in recency order and rebuilds the trees in linear time. The position
   * space is kept at least twice the live keys, so compactions are at least `live` accesses apart:
   * O(1) amortised per access.
   */
  private compact(): void {
    const oldKeys = this.keyAtPosition;
    let length = oldKeys.length;
    while (length < 2 * this.live + 1024) length *= 2;
    const keys = length === oldKeys.length ? oldKeys : new Int32Array(length);
    let next = 0;
    for (let p = 0; p < this.nextPosition; p++) {
      const key = oldKeys[p];
      if (key < 0) continue;
      keys[next] = key;
      this.positionOfKey[key] = next;
      next++;
    }
    keys.fill(-1, next);
    this.keyAtPosition = keys;
    this.nextPosition = next;

    // Linear-time Fenwick build: each node passes its total up to its parent once.
    const tree = length + 1 === this.tree.length ? this.tree.fill(0) : new Int32Array(length + 1);
    for (let i = 1; i <= next; i++) tree[i] += 1;
    for (let i = 1; i <= length; i++) {
      const parent = i + (i & -i);
      if (parent <= length) tree[parent] += tree[i];
    }
    this.tree = tree;
    if (this.trackBytes) {
      const byteTree = length + 1 === this.byteTree.length ? this.byteTree.fill(0) : new Float64Array(length + 1);
      for (let i = 1; i <= next; i++) byteTree[i] += this.sizeOfKey[keys[i - 1]];
      for (let i = 1; i <= length; i++) {
        const parent = i + (i & -i);
        if (parent <= length) byteTree[parent] += byteTree[i];
      }
      this.byteTree = byteTree;
    }
  }
}
