import type { SignalWatch, SignalWatchState } from './signal-watch';
import { SignalMeans, type StoredSignalMeans } from './signal-means';
import type { UserMetric } from './user-drift-state';

/** What a segment is watched on: the mean of each per-user signal (the population's `mean-*` metrics). */
export type SegmentMetric = `mean-${UserMetric}`;

/** How one segment's part of an open bucket is stored. */
export interface StoredSegmentBucket {
  means: StoredSignalMeans;
  /** Per member active in the bucket: what they contributed to each mean (so an update replaces it). */
  contrib: Record<string, Partial<Record<UserMetric, number>>>;
}

/**
 * One segment's share of an open population bucket: the means of the per-user signals over the segment's gated
 * members active in the bucket. It remembers each member's contribution itself rather than reusing the user's
 * population contribution, because membership can change mid-bucket (a PUT of the segment): a member added then must
 * count as new here even though the population already counts them.
 */
export class SegmentBucket {
  readonly means: SignalMeans;
  private readonly contrib: Map<string, Partial<Record<UserMetric, number>>>;

  constructor(stored?: StoredSegmentBucket) {
    this.means = stored ? SignalMeans.fromJSON(stored.means) : new SignalMeans();
    this.contrib = new Map(Object.entries(stored?.contrib ?? {}));
  }

  /** Members that contributed any signal to the bucket. */
  get users(): number {
    return this.contrib.size;
  }

  contribute(userId: string, metric: UserMetric, value: number): void {
    let mine = this.contrib.get(userId);
    if (mine === undefined) {
      mine = {};
      this.contrib.set(userId, mine);
    }
    this.means.contribute(metric, value, mine[metric]);
    mine[metric] = value;
  }

  toJSON(): StoredSegmentBucket {
    return { means: this.means.toJSON(), contrib: Object.fromEntries(this.contrib) };
  }
}

/** How one segment's detectors are stored in its shard: the segment's change id they were built for, and the watches. */
export interface StoredSegmentWatches {
  changeId: number;
  watches: Partial<Record<SegmentMetric, SignalWatchState>>;
}

/**
 * The detectors of one segment's mean series in one shard. They belong to one definition of the segment (its change
 * id): a segment whose membership was replaced is a different cohort, whose series would step at the change and
 * alert on the redefinition itself, so its watches start over — as a watch does under a new detector configuration.
 */
export class SegmentWatches {
  readonly watches = new Map<SegmentMetric, SignalWatch>();
  storedWatches: Partial<Record<SegmentMetric, SignalWatchState>>;

  constructor(
    readonly changeId: number,
    stored?: StoredSegmentWatches,
  ) {
    this.storedWatches = stored && stored.changeId === changeId ? { ...stored.watches } : {};
  }

  toJSON(): StoredSegmentWatches {
    const watches: Partial<Record<SegmentMetric, SignalWatchState>> = { ...this.storedWatches };
    for (const [metric, watch] of this.watches) watches[metric] = watch.toJSON();
    return { changeId: this.changeId, watches };
  }
}
