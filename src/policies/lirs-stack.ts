import { doubledLength, grownFloat64, grownInt32, grownUint8 } from '../collections/typed-array-growth.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/**
 * LIRS's stack S (Jiang & Zhang, SIGMETRICS 2002): the recency order of LIR entries, resident HIR entries
 * and non-resident HIR entries, the last being keys that left the cache but whose recency still tells
 * LIRS something. Nodes are keyed by key id, apart from the cache's slots, because a non-resident key has
 * no slot. The stack does not know residency: `LirsPolicy` marks a key non-resident when it evicts it and
 * resident again when it comes back.
 *
 * Non-resident nodes also sit in a FIFO in the order they became non-resident, so the bound on them
 * (their total charge, in entries or bytes) drops the oldest one without searching S. Node arrays start
 * small and double; nothing allocates per request once they have reached their working size.
 */
export class LirsStack {
  /** Top (most recent) at the head, bottom at the tail. */
  private readonly order: SlotList;
  /** Non-resident nodes, the most recently evicted at the head. */
  private readonly nonResident: SlotList;
  private nodeOfKey: Int32Array;
  private keyOfNode: Int32Array;
  /** A non-resident node's charge (1, or its size in bytes when it was evicted). */
  private chargeOfNode: Float64Array;
  private isNonResident: Uint8Array;
  private freeNodes: Int32Array;
  private freeNodeCount = 0;
  private nodeHighWater = 0;
  /** Total charge of non-resident nodes. */
  nonResidentUsed = 0;

  constructor(
    /** The most non-resident charge S keeps (entries or bytes); beyond it the oldest non-resident goes. */
    readonly nonResidentCapacity: number,
    keySpaceHint: number,
    /** Nodes to allocate up front (the arrays double past it). */
    initialNodes: number,
  ) {
    const nodes = Math.max(16, Math.min(initialNodes, 1 << 24));
    this.order = new SlotList(nodes);
    this.nonResident = new SlotList(nodes);
    this.nodeOfKey = new Int32Array(Math.max(16, keySpaceHint)).fill(NO_SLOT);
    this.keyOfNode = new Int32Array(nodes);
    this.chargeOfNode = new Float64Array(nodes);
    this.isNonResident = new Uint8Array(nodes);
    this.freeNodes = new Int32Array(nodes);
  }

  /** Entries in S, resident and non-resident. */
  get length(): number {
    return this.order.length;
  }

  get nonResidentCount(): number {
    return this.nonResident.length;
  }

  has(key: number): boolean {
    return key < this.nodeOfKey.length && this.nodeOfKey[key] !== NO_SLOT;
  }

  /** The key at the bottom of S, or -1 when S is empty. */
  bottomKey(): number {
    const node = this.order.tail;
    return node === NO_SLOT ? NO_SLOT : this.keyOfNode[node];
  }

  /** Puts a key that is not in S on top of it, as resident. */
  pushTop(key: number): void {
    if (key >= this.nodeOfKey.length) this.growKeyIndex(key);
    let node: number;
    if (this.freeNodeCount > 0) {
      node = this.freeNodes[--this.freeNodeCount];
    } else {
      node = this.nodeHighWater++;
      if (node >= this.keyOfNode.length) this.growNodes(this.keyOfNode.length * 2);
    }
    this.keyOfNode[node] = key;
    this.isNonResident[node] = 0;
    this.nodeOfKey[key] = node;
    this.order.pushHead(node);
  }

  /** Moves a key already in S to its top. */
  moveToTop(key: number): void {
    this.order.moveToHead(this.nodeOfKey[key]);
  }

  /** Takes a key out of S (and out of the non-resident FIFO if it is there). */
  remove(key: number): void {
    const node = this.nodeOfKey[key];
    this.order.remove(node);
    if (this.isNonResident[node] === 1) this.leaveNonResident(node);
    this.nodeOfKey[key] = NO_SLOT;
    this.freeNodes[this.freeNodeCount++] = node;
  }

  /** A key in S was evicted: it stays where it is, non-resident; the oldest non-residents go while over the bound. */
  markNonResident(key: number, charge: number): void {
    const node = this.nodeOfKey[key];
    this.isNonResident[node] = 1;
    this.chargeOfNode[node] = charge;
    this.nonResident.pushHead(node);
    this.nonResidentUsed += charge;
    while (this.nonResidentUsed > this.nonResidentCapacity) this.remove(this.keyOfNode[this.nonResident.tail]);
  }

  /** A non-resident key in S is being readmitted: it leaves the non-resident FIFO, keeping its place in S. */
  markResident(key: number): void {
    const node = this.nodeOfKey[key];
    if (this.isNonResident[node] === 1) this.leaveNonResident(node);
  }

  isNonResidentKey(key: number): boolean {
    return this.has(key) && this.isNonResident[this.nodeOfKey[key]] === 1;
  }

  /** Keys from top to bottom (for tests and invariant checks; allocates). */
  keysFromTop(): number[] {
    const keys: number[] = [];
    for (let node = this.order.head; node !== NO_SLOT; node = this.order.next[node]) keys.push(this.keyOfNode[node]);
    return keys;
  }

  checkInvariants(label: string): void {
    this.order.checkLinks(`${label} S`);
    this.nonResident.checkLinks(`${label} non-resident FIFO`);
    let nonResidentInS = 0;
    for (let node = this.order.head; node !== NO_SLOT; node = this.order.next[node]) {
      if (this.nodeOfKey[this.keyOfNode[node]] !== node) throw new Error(`${label}: S node ${node} not indexed by its key ${this.keyOfNode[node]}`);
      if (this.isNonResident[node] === 1) nonResidentInS++;
    }
    if (nonResidentInS !== this.nonResident.length) {
      throw new Error(`${label}: ${nonResidentInS} non-resident nodes in S, FIFO holds ${this.nonResident.length}`);
    }
    let used = 0;
    for (let node = this.nonResident.head; node !== NO_SLOT; node = this.nonResident.next[node]) {
      if (this.isNonResident[node] !== 1) throw new Error(`${label}: node ${node} in the non-resident FIFO is marked resident`);
      used += this.chargeOfNode[node];
    }
    if (used !== this.nonResidentUsed) throw new Error(`${label}: non-resident charge ${this.nonResidentUsed}, recomputed ${used}`);
    if (used > this.nonResidentCapacity) throw new Error(`${label}: non-resident charge ${used} exceeds ${this.nonResidentCapacity}`);
    if (this.order.length + this.freeNodeCount !== this.nodeHighWater) {
      throw new Error(`${label}: ${this.order.length} nodes in S + ${this.freeNodeCount} free != ${this.nodeHighWater} handed out`);
    }
  }

  private leaveNonResident(node: number): void {
    this.nonResident.remove(node);
    this.isNonResident[node] = 0;
    this.nonResidentUsed -= this.chargeOfNode[node];
  }

  private growKeyIndex(key: number): void {
    this.nodeOfKey = grownInt32(this.nodeOfKey, doubledLength(this.nodeOfKey.length, key + 1), NO_SLOT);
  }

  private growNodes(nodeCapacity: number): void {
    this.order.grow(nodeCapacity);
    this.nonResident.grow(nodeCapacity);
    this.keyOfNode = grownInt32(this.keyOfNode, nodeCapacity);
    this.chargeOfNode = grownFloat64(this.chargeOfNode, nodeCapacity);
    this.isNonResident = grownUint8(this.isNonResident, nodeCapacity);
    this.freeNodes = grownInt32(this.freeNodes, nodeCapacity);
  }
}
