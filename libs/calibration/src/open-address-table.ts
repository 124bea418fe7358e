import type { ScratchArena } from './scratch-arena';

/**
 * Linear-probing slots (−1 = empty) at most half full, sized for `capacity` keys, from the call's arena: the hash
 * tables of one rerank (duplicate ids, identical rows, distinct terms), cheaper than Maps that grow several times per
 * call and are garbage afterwards. The caller stores its own indices and compares keys.
 */
export class OpenAddressTable {
  readonly slots: Int32Array;
  private readonly mask: number;

  constructor(capacity: number, arena: ScratchArena) {
    let size = 4;
    while (size < capacity * 2) size *= 2;
    this.slots = arena.int32(size).fill(-1);
    this.mask = size - 1;
  }

  firstSlot(hash: number): number {
    return hash & this.mask;
  }

  nextSlot(slot: number): number {
    return (slot + 1) & this.mask;
  }
}
