import { stableHash53 } from '@chorus/random';

/**
 * The last `capacity` event ids and list ids of one user, so a client's retry is counted once. Ids are kept as 53-bit
 * hashes in a ring of doubles rather than as strings: 64 ids cost 512 bytes instead of ~6 kB of strings and a Set, and
 * they persist as 8 bytes each. Two different ids collide with probability ~2⁻⁵³ per pair, so a collision (a fresh
 * event taken for a retry) needs ~10¹⁴ checks against a full window: never in practice.
 */
export class DedupeWindow {
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
  }

  /** Oldest first, as stored (a window of another capacity keeps the newest that fit). */
  static of(capacity: number, hashes: ArrayLike<number>): DedupeWindow {
    const window = new DedupeWindow(capacity);
    for (let i = Math.max(0, hashes.length - capacity); i < hashes.length; i++) window.push(hashes[i]!);
    return window;
  }

  /** Remembers the id; false if it is in the window already (a retry). */
  remember(id: string): boolean {
    const hash = stableHash53(id);
    for (let i = 0; i < this.count; i++) if (this.ring[i] === hash) return false;
    this.push(hash);
    return true;
  }

  /** The hashes, oldest first. */
  hashes(): number[] {
    const out: number[] = [];
    const start = this.count < this.capacity ? 0 : this.head;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  private push(hash: number): void {
    this.ring[this.head] = hash;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }
}
