/**
 * Zero-filled typed arrays for one `calibratedRerank` call, carved out of a buffer kept between calls. A call needs
 * about twenty arrays of C entries; allocating each one (an off-heap backing store, freed by the garbage collector)
 * cost more than the greedy itself at C = 500. Views handed out stay valid until the next `reset`, which a call makes
 * only once it holds the arena (see `withScratchArena`): nothing of a call's arrays may outlive it.
 */
export class ScratchArena {
  private buffer = new ArrayBuffer(1 << 16);
  private offset = 0;
  inUse = false;

  reset(): void {
    this.offset = 0;
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.take(length * 8), this.offset - length * 8, length).fill(0);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.take(length * 4), this.offset - length * 4, length).fill(0);
  }

  uint8(length: number): Uint8Array {
    return new Uint8Array(this.take(length), this.offset - length, length).fill(0);
  }

  /** Reserves `bytes` at an 8-byte-aligned offset (advancing `offset` past them); a new, larger buffer when full. */
  private take(bytes: number): ArrayBuffer {
    let start = (this.offset + 7) & ~7;
    if (start + bytes > this.buffer.byteLength) {
      // Earlier views keep the old buffer alive; later ones use the new one.
      this.buffer = new ArrayBuffer(Math.max(2 * this.buffer.byteLength, 2 * bytes));
      start = 0;
    }
    this.offset = start + bytes;
    return this.buffer;
  }
}

const shared = new ScratchArena();

/**
 * Runs `work` with the shared arena, or with a fresh one if the shared arena is busy — a re-entrant call (a getter on
 * a candidate calling `calibratedRerank`) must not reset the outer call's arrays.
 */
export function withScratchArena<T>(work: (arena: ScratchArena) => T): T {
  if (shared.inUse) return work(new ScratchArena());
  shared.inUse = true;
  shared.reset();
  try {
    return work(shared);
  } finally {
    shared.inUse = false;
  }
}
