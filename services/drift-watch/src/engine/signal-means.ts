import { USER_METRICS, type UserMetric } from './user-drift-state';

/** How signal means are stored: per metric [sum, count]. */
export type StoredSignalMeans = Record<string, [number, number]>;

/** Metric → its index in USER_METRICS: the sums and counts are typed arrays over that index. */
const METRIC_INDEX = new Map<string, number>(USER_METRICS.map((metric, i) => [metric, i]));

/**
 * Running sums for the mean of each per-user signal over the users active in a time bucket, where a user counts once
 * per metric with their latest value: an update replaces the user's previous contribution instead of adding a second
 * one. Shared by the population's and the segments' `mean-*` metrics so both mean exactly the same thing.
 *
 * Every gated event contributes, so the sums are typed arrays indexed by the metric's position in USER_METRICS (no
 * per-event allocation or hashing); `order` remembers which metrics were contributed and in what order, for the row.
 */
export class SignalMeans {
  private readonly sums = new Float64Array(USER_METRICS.length);
  private readonly counts = new Float64Array(USER_METRICS.length);
  private readonly order: number[] = [];
  private readonly opened = new Uint8Array(USER_METRICS.length);

  /** Adds a user's value of one signal (previous undefined) or replaces their previous value with it. */
  contribute(metric: UserMetric, value: number, previous: number | undefined): void {
    const i = METRIC_INDEX.get(metric)!;
    this.open(i);
    if (previous === undefined) {
      this.sums[i] = this.sums[i]! + value;
      this.counts[i] = this.counts[i]! + 1;
    } else {
      this.sums[i] = this.sums[i]! + (value - previous);
    }
  }

  /** Users contributing to the metric's mean. */
  count(metric: UserMetric): number {
    return this.counts[METRIC_INDEX.get(metric)!]!;
  }

  /** The mean of the metric over its contributors (undefined when none). */
  mean(metric: UserMetric): number | undefined {
    const i = METRIC_INDEX.get(metric)!;
    return this.counts[i]! > 0 ? this.sums[i]! / this.counts[i]! : undefined;
  }

  toJSON(): StoredSignalMeans {
    return Object.fromEntries(this.order.map((i) => [USER_METRICS[i]!, [this.sums[i]!, this.counts[i]!]]));
  }

  static fromJSON(stored: StoredSignalMeans): SignalMeans {
    const means = new SignalMeans();
    for (const [metric, [sum, count]] of Object.entries(stored)) {
      const i = METRIC_INDEX.get(metric);
      // A metric this version does not know (stored by a newer one) has no detector here: leave it out.
      if (i === undefined) continue;
      means.open(i);
      means.sums[i] = sum;
      means.counts[i] = count;
    }
    return means;
  }

  /** Marks metric `i` as contributed (first time: remembers its place in the row). */
  private open(i: number): void {
    if (this.opened[i] === 1) return;
    this.opened[i] = 1;
    this.order.push(i);
  }
}
