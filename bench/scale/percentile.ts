/**
 * Nearest-rank percentile of an ascending sample: the smallest value v of the sample such that at least p % of the
 * sample is ≤ v. Latencies are reported as values that were actually observed, never interpolated between two.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  if (sortedAscending.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  // p·n first: (p / 100)·n is off by one ulp for some p (0.07 × 100 = 7.000000000000001 would round up to 8).
  const rank = Math.ceil((p * sortedAscending.length) / 100);
  return sortedAscending[rank - 1]!;
}

/** p50 and p99 of a sample in any order (sorted on a copy). */
export function latencySummary(sample: readonly number[]): { p50: number; p99: number; n: number } {
  const sorted = Float64Array.from(sample).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
