/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state seeded PRNG returning uniforms in [0, 1). Same seed →
 * same sequence on every platform (32-bit integer operations and one division only). Not cryptographic, period 2^32:
 * enough for simulations and reproducible test streams, which is all Chorus uses it for.
 *
 * This is the simulator's one source of randomness, and the shared seeded PRNG for tests (issue #11): the copies in
 * libs/{reward,contracts,metrics,calibration} produce the same sequence and can import this one instead.
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

/** Standard normal draw by Box–Muller (one of the pair; the sine partner is discarded to keep draws stateless). */
export function gaussian(random: () => number): number {
  const u = 1 - random(); // (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Standard Gumbel draw −ln(−ln U). Adding independent Gumbel noise to utilities and taking the argmax is exactly the
 * multinomial logit (McFadden 1974): P(i) = e^{u_i} / Σ_j e^{u_j}.
 */
export function gumbel(random: () => number): number {
  const u = Math.min(Math.max(random(), 1e-300), 1 - 1e-16); // keep both logs finite
  return -Math.log(-Math.log(u));
}

/** A uniform integer in [0, n). */
export function randomIndex(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** A random sample of k distinct elements, in random order (partial Fisher–Yates on a copy). */
export function sampleWithoutReplacement<T>(random: () => number, items: readonly T[], k: number): T[] {
  const pool = items.slice();
  const take = Math.min(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + randomIndex(random, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}

/**
 * A version-4 UUID (RFC 9562 §5.4: version nibble 4, variant bits 10) built from the PRNG, so a seeded run produces
 * the same event ids every time. Seed runs differently (see `eventIdSalt`) when their events must not collide as
 * idempotency keys in a live system.
 */
export function seededUuid(random: () => number): string {
  const hex: string[] = [];
  for (let k = 0; k < 4; k++) hex.push(Math.floor(random() * 4294967296).toString(16).padStart(8, '0'));
  const s = hex.join('');
  const variant = ((parseInt(s[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

/**
 * A 32-bit FNV-1a hash of a string. Used to derive values that must be the same whenever the same key is asked for
 * (a constructed preference's framing effect for one user, item and framing) without consuming the main stream.
 */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
