import { grownUint8 } from '../collections/typed-array-growth.js';
import type { PolicyOptions } from './eviction-policy.js';
import { FrequencySketch } from './frequency-sketch.js';
import { type ParameterSpecs, resolveParameters } from './policy-parameters.js';
import { SlotCache } from './slot-cache.js';
import { NO_SLOT, SlotList } from './slot-list.js';

/** The main space's share of the capacity; the window gets the rest (Caffeine: 99% / 1%). */
const MAIN_SHARE = 0.99;
/** The protected segment's share of the main space (Caffeine: 80%; probation gets 20%). */
const PROTECTED_SHARE = 0.8;

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;

export const WTINYLFU_PARAMETERS: ParameterSpecs = {
  doorkeeper: {
    default: 0,
    min: 0,
    max: 1,
    integer: true,
    description: "1 puts a Bloom-filter doorkeeper in front of the frequency sketch, absorbing each key's first access",
  },
};

/**
 * W-TinyLFU: a small LRU window (1%) in front of a segmented-LRU main space (probation 20%, protected 80%
 * of it). New keys enter the window; the window's LRU entry, once it must leave, competes with main's
 * victim (probation's LRU entry) and survives only if the frequency sketch estimates it was accessed more
 * often recently; the loser is evicted. A hit in probation promotes to protected, whose overflow is demoted
 * back to probation. Every access (hits, and misses when they are filled) is recorded in a 4-bit count-min
 * sketch halved every 10 × capacity accesses (`frequency-sketch.ts`), optionally behind a doorkeeper.
 * Source: Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS 2017;
 * Caffeine's simulator `WindowTinyLfuPolicy` and cache (`BoundedLocalCache`: window = capacity −
 * ⌊0.99·capacity⌋, so at least one entry; a main victim taken from probation, else protected).
 * Deliberate differences: no hill-climbing of the window size and no random admission of warm candidates
 * (Caffeine's defence against hash flooding, irrelevant to dense key ids); in bytes, the sketch is sized
 * by the entry count and re-sized (cleared) when the cache comes to hold more entries than it was sized for.
 */
export class WTinyLfuPolicy extends SlotCache {
  readonly name = 'wtinylfu';
  private readonly window = new SlotList(this.slotCapacity);
  private readonly probation = new SlotList(this.slotCapacity);
  private readonly protectedSegment = new SlotList(this.slotCapacity);
  private regionOfSlot = new Uint8Array(this.slotCapacity);
  private windowUsed = 0;
  private probationUsed = 0;
  private protectedUsed = 0;
  private readonly windowCapacity: number;
  private readonly protectedCapacity: number;
  private readonly sketch: FrequencySketch;
  private incomingCharge = 0;
  /** Admission contests so far, and how many the window's candidate won (tests and reports). */
  contests = 0;
  candidateWins = 0;

  constructor(options: PolicyOptions) {
    super(options);
    const { doorkeeper } = resolveParameters('wtinylfu', WTINYLFU_PARAMETERS, options.parameters);
    const capacity = this.capacity;
    if (Number.isFinite(capacity)) {
      const main = Math.floor(capacity * MAIN_SHARE);
      this.windowCapacity = capacity - main;
      this.protectedCapacity = Math.floor(main * PROTECTED_SHARE);
    } else {
      this.windowCapacity = capacity;
      this.protectedCapacity = capacity;
    }
    const expectedEntries = this.chargesBytes || !Number.isFinite(capacity) ? Math.min(options.keySpaceHint, 1 << 16) : capacity;
    this.sketch = new FrequencySketch(expectedEntries, doorkeeper === 1);
  }

  /** The sketch's estimate for a key (tests). */
  estimatedFrequency(key: number): number {
    return this.sketch.frequency(key);
  }

  protected override beforeAdmit(key: number, charge: number): void {
    // A miss is an access too: TinyLFU counts every request, not only hits.
    this.sketch.increment(key);
    this.incomingCharge = charge;
  }

  protected onHit(slot: number): void {
    this.sketch.increment(this.keyOfSlot[slot]);
    const region = this.regionOfSlot[slot];
    if (region === WINDOW) {
      this.window.moveToHead(slot);
    } else if (region === PROTECTED) {
      this.protectedSegment.moveToHead(slot);
    } else {
      const charge = this.charge(slot);
      this.probation.remove(slot);
      this.probationUsed -= charge;
      this.regionOfSlot[slot] = PROTECTED;
      this.protectedSegment.pushHead(slot);
      this.protectedUsed += charge;
      // Protected overflows into probation's MRU end; a lone oversized entry stays.
      while (this.protectedUsed > this.protectedCapacity && this.protectedSegment.length > 1) {
        const demoted = this.protectedSegment.popTail();
        const demotedCharge = this.charge(demoted);
        this.protectedUsed -= demotedCharge;
        this.pushProbation(demoted, demotedCharge);
      }
    }
  }

  protected onInsert(slot: number): void {
    const charge = this.charge(slot);
    this.regionOfSlot[slot] = WINDOW;
    this.window.pushHead(slot);
    this.windowUsed += charge;
    this.incomingCharge = 0;
    // While the cache has room, what overflows the window simply moves to probation (no contest needed).
    while (this.windowUsed > this.windowCapacity && this.window.length > 1) this.moveWindowTailToProbation();
    if (this.chargesBytes) this.sketch.ensureCapacity(this.entries);
  }

  protected selectVictim(incomingKey: number): number {
    const incoming = incomingKey === NO_SLOT ? 0 : this.incomingCharge;
    if (this.window.length > 0 && this.windowUsed + incoming > this.windowCapacity) {
      // The newcomer will push the window's LRU entry out: it competes with main's victim for a place.
      const candidate = this.moveWindowTailToProbation();
      const victim = this.mainVictim(candidate);
      if (victim === NO_SLOT) return this.removeFromMain(candidate);
      this.contests++;
      if (this.sketch.frequency(this.keyOfSlot[candidate]) > this.sketch.frequency(this.keyOfSlot[victim])) {
        this.candidateWins++;
        return this.removeFromMain(victim);
      }
      return this.removeFromMain(candidate);
    }
    const victim = this.mainVictim(NO_SLOT);
    if (victim !== NO_SLOT) return this.removeFromMain(victim);
    const slot = this.window.popTail();
    this.windowUsed -= this.charge(slot);
    return slot;
  }

  /** Probation's LRU entry, else protected's; never `exclude` (the candidate just moved to probation). */
  private mainVictim(exclude: number): number {
    const probationTail = this.probation.tail;
    if (probationTail !== NO_SLOT && probationTail !== exclude) return probationTail;
    return this.protectedSegment.tail;
  }

  private moveWindowTailToProbation(): number {
    const slot = this.window.popTail();
    const charge = this.charge(slot);
    this.windowUsed -= charge;
    this.pushProbation(slot, charge);
    return slot;
  }

  private pushProbation(slot: number, charge: number): void {
    this.regionOfSlot[slot] = PROBATION;
    this.probation.pushHead(slot);
    this.probationUsed += charge;
  }

  private removeFromMain(slot: number): number {
    this.detach(slot);
    return slot;
  }

  protected detach(slot: number): void {
    const charge = this.charge(slot);
    const region = this.regionOfSlot[slot];
    if (region === WINDOW) {
      this.window.remove(slot);
      this.windowUsed -= charge;
    } else if (region === PROBATION) {
      this.probation.remove(slot);
      this.probationUsed -= charge;
    } else {
      this.protectedSegment.remove(slot);
      this.protectedUsed -= charge;
    }
  }

  protected override onResize(slot: number, oldSize: number): void {
    const delta = this.sizeOfSlot[slot] - oldSize;
    const region = this.regionOfSlot[slot];
    if (region === WINDOW) this.windowUsed += delta;
    else if (region === PROBATION) this.probationUsed += delta;
    else this.protectedUsed += delta;
  }

  private charge(slot: number): number {
    return this.chargesBytes ? this.sizeOfSlot[slot] : 1;
  }

  protected growSlotColumns(slotCapacity: number): void {
    this.window.grow(slotCapacity);
    this.probation.grow(slotCapacity);
    this.protectedSegment.grow(slotCapacity);
    this.regionOfSlot = grownUint8(this.regionOfSlot, slotCapacity);
  }

  protected checkPolicyInvariants(): void {
    const segments: Array<[SlotList, number, number, string]> = [
      [this.window, WINDOW, this.windowUsed, 'window'],
      [this.probation, PROBATION, this.probationUsed, 'probation'],
      [this.protectedSegment, PROTECTED, this.protectedUsed, 'protected'],
    ];
    let entries = 0;
    for (const [list, region, tracked, label] of segments) {
      list.checkLinks(`wtinylfu ${label}`);
      let used = 0;
      for (let slot = list.head; slot !== NO_SLOT; slot = list.next[slot]) {
        if (this.regionOfSlot[slot] !== region) throw new Error(`wtinylfu: slot ${slot} in ${label} is marked region ${this.regionOfSlot[slot]}`);
        used += this.charge(slot);
      }
      if (used !== tracked) throw new Error(`wtinylfu: ${label} occupancy ${tracked}, recomputed ${used}`);
      entries += list.length;
    }
    if (entries !== this.entries) throw new Error(`wtinylfu: segments hold ${entries}, entries ${this.entries}`);
    // In bytes an update may grow a protected entry in place; only entry counts are held to the share.
    if (!this.chargesBytes && this.protectedUsed > this.protectedCapacity && this.protectedSegment.length > 1) {
      throw new Error(`wtinylfu: protected ${this.protectedUsed} over its share ${this.protectedCapacity}`);
    }
  }
}
