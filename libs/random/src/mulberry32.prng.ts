/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state seeded PRNG returning uniforms in [0, 1). Same seed →
 * same sequence on every platform (32-bit integer operations and one division only). Not cryptographic, period 2^32:
 * enough for simulations and reproducible test streams, which is all Chorus uses it for.
 *
 * The one seeded PRNG of the repository (issue #11): the simulator, the metrics' MinHash seeds and user-pair sampling,
 * and every test that generates a stream draw from it.
 *
 * @example
 * const random = mulberry32(42);
 * random(); // 0.6011037519201636
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
