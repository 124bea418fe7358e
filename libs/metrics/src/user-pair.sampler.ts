import { MetricInputError } from './metric-input.error';
import { requireInteger } from './metric-input.guard';
import { mulberry32 } from '@chorus/random';

/**
 * Draws `pairCount` distinct unordered pairs of distinct users, uniformly, reproducibly from `seed`. The result depends
 * on the order of `userIds` too, so pass a stable order (e.g. sorted) when the panel must be the same across restarts
 * — or persist the pairs, which {@link Homogenization} does. Expected O(pairCount) when pairs are sparse among all
 * n(n−1)/2; O(n²) enumeration when they are dense (then n is small).
 */
export function sampleUserPairs(
  userIds: readonly string[],
  pairCount: number,
  seed: number,
): Array<[string, string]> {
  const users = [...new Set(userIds)];
  const n = users.length;
  const possible = (n * (n - 1)) / 2;
  requireInteger(pairCount, 'pairCount', 0);
  requireInteger(seed, 'seed', 0, 0xffffffff);
  if (pairCount > possible) {
    throw new MetricInputError(
      'METRICS.INVALID_OPTION',
      `cannot draw ${pairCount} distinct pairs from ${n} users (at most ${possible}); lower pairCount or add users`,
    );
  }
  const random = mulberry32(seed);
  const pick = (bound: number): number => Math.floor(random() * bound);
  if (pairCount * 4 >= possible) {
    // Dense: enumerate every pair and take a partial Fisher–Yates shuffle.
    const all: Array<[string, string]> = [];
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) all.push([users[a] as string, users[b] as string]);
    for (let i = 0; i < pairCount; i++) {
      const j = i + pick(all.length - i);
      [all[i], all[j]] = [all[j] as [string, string], all[i] as [string, string]];
    }
    return all.slice(0, pairCount);
  }
  // Sparse: rejection sampling; each draw is new with probability ≥ 3/4.
  const chosen = new Set<number>();
  const pairs: Array<[string, string]> = [];
  while (pairs.length < pairCount) {
    const a = pick(n);
    const b = pick(n);
    if (a === b) continue;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const key = lo * n + hi;
    if (chosen.has(key)) continue;
    chosen.add(key);
    pairs.push([users[lo] as string, users[hi] as string]);
  }
  return pairs;
}
