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

/** Shuffles `items` in place (Fisher–Yates from the end) and returns it. */
export function shuffleInPlace<T>(random: () => number, items: T[]): T[] {
  for (let k = items.length - 1; k > 0; k--) {
    const j = randomIndex(random, k + 1);
    [items[k], items[j]] = [items[j]!, items[k]!];
  }
  return items;
}
