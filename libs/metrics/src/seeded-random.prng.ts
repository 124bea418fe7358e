/**
 * mulberry32: a tiny 32-bit-state PRNG returning uniforms in [0, 1). Not cryptographic and with a short period (2^32),
 * which is fine for what it does here: derive MinHash seeds, sample user pairs, and generate reproducible test streams.
 * Same seed → same sequence on every platform (only 32-bit integer ops and one division).
 * Reference: Tommy Ettinger's mulberry32 (public domain).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
