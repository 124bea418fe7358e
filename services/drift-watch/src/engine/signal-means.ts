import type { UserMetric } from './user-drift-state';

/** How signal means are stored: per metric [sum, count]. */
export type StoredSignalMeans = Record<string, [number, number]>;

/**
 * Running sums for the mean of each per-user signal over the users active in a time bucket, where a user counts once
 * per metric with their latest value: an update replaces the user's previous contribution instead of adding a second
 * one. Shared by the population's and the segments' `mean-*` metrics so both mean exactly the same thing.
 */
export class SignalMeans {
  private readonly sums = new Map<UserMetric, { sum: number; count: number }>();

  /** Adds a user's value of one signal (previous undefined) or replaces their previous value with it. */
  contribute(metric: UserMetric, value: number, previous: number | undefined): void {
    const entry = this.sums.get(metric) ?? { sum: 0, count: 0 };
    if (previous === undefined) {
      entry.sum += value;
      entry.count += 1;
    } else {
      entry.sum += value - previous;
    }
    this.sums.set(metric, entry);
  }

  /** Users contributing to the metric's mean. */
  count(metric: UserMetric): number {
    return this.sums.get(metric)?.count ?? 0;
  }

  /** The mean of the metric over its contributors (undefined when none). */
  mean(metric: UserMetric): number | undefined {
    const entry = this.sums.get(metric);
    return entry && entry.count > 0 ? entry.sum / entry.count : undefined;
  }

  toJSON(): StoredSignalMeans {
    return Object.fromEntries([...this.sums].map(([metric, { sum, count }]) => [metric, [sum, count]]));
  }

  static fromJSON(stored: StoredSignalMeans): SignalMeans {
    const means = new SignalMeans();
    for (const [metric, [sum, count]] of Object.entries(stored)) means.sums.set(metric as UserMetric, { sum, count });
    return means;
  }
}
