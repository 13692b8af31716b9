import type { RandomSource } from '../random/random-source.js';
import type { TopologySpec } from '../scenario/scenario.js';

/**
 * Which application node a request reaches (docs/scenario-reference.md, "Topology"): in turn
 * (`round-robin`), at random, or `sticky` by a hash of the key; a crashed node (a `node-crash` window)
 * takes none until it is up again — its requests go to the next node that is up. The simulated topology
 * and a live run's nodes are both this (they extend it).
 */
export class NodeRouting {
  private readonly up: Uint8Array;
  private upCount: number;
  private nextNode = 0;

  constructor(
    readonly nodes: number,
    private readonly by: TopologySpec['routing'],
    private readonly routingRandom: RandomSource,
  ) {
    this.up = new Uint8Array(nodes).fill(1);
    this.upCount = nodes;
  }

  /** The node a request for `key` goes to; -1 when every node is down. */
  route(key: number): number {
    if (this.upCount === 0) return -1;
    const n = this.nodes;
    let node: number;
    if (n === 1) node = 0;
    else if (this.by === 'round-robin') {
      node = this.nextNode;
      this.nextNode = node + 1 === n ? 0 : node + 1;
    } else if (this.by === 'random') node = this.routingRandom.nextInt(n);
    else node = stickyNode(key, n);
    while (this.up[node] === 0) node = node + 1 === n ? 0 : node + 1;
    return node;
  }

  isUp(node: number): boolean {
    return this.up[node] === 1;
  }

  setUp(node: number, up: boolean): void {
    if ((this.up[node] === 1) === up) return;
    this.up[node] = up ? 1 : 0;
    this.upCount += up ? 1 : -1;
  }
}

/** A key's home node under sticky routing: a 32-bit integer hash (murmur3's finaliser) of its id. */
export function stickyNode(key: number, nodes: number): number {
  let h = key | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % nodes;
}
