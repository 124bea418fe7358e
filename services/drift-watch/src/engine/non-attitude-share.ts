import { pairwiseJudgment, type PairwiseEventV1 } from '@chorus/contracts';
import { ReliabilityTracker, type ReliabilityTrackerJSON } from '@chorus/reliability';

/** How a shard's non-attitude share is stored (an optional field of the shard's row). */
export interface StoredNonAttitudeShare {
  /** The reliability state of the shard's users and its pair counts, as libs/reliability serialises it. */
  reliability: ReliabilityTrackerJSON;
  /** Open buckets: [bucket start, Σ P(non-attitude), judgments]. */
  buckets: [number, number, number][];
}

/**
 * A bucket's share is a point (and is watched) only when at least this many judgments made it: the mean posterior of
 * a handful of judgments is one annotator's noise.
 */
export const NON_ATTITUDE_MIN_JUDGMENTS = 20;

/**
 * The population signal `non-attitude-share` of one shard (domain × partition): every pairwise judgment is classified
 * by libs/reliability — the same ReliabilityModel.observe the learner weighs with, over the shard's users, so "the
 * others" of the leave-one-out majority are the partition's other users as in the learner — and its signal's
 * posterior probability of being a non-attitude is added to the judgment's time bucket. A bucket's value is the mean
 * over its judgments. The state lives in the shard's row, so it is committed with the partition's offsets
 * (exactly-once) and a duplicate event, refused before it gets here, is never counted twice.
 */
export class NonAttitudeShare {
  private readonly buckets = new Map<number, { sum: number; n: number }>();

  private constructor(private readonly reliability: ReliabilityTracker) {}

  static create(): NonAttitudeShare {
    return new NonAttitudeShare(new ReliabilityTracker());
  }

  static restore(stored: StoredNonAttitudeShare): NonAttitudeShare {
    const share = new NonAttitudeShare(ReliabilityTracker.fromJSON(stored.reliability));
    for (const [start, sum, n] of stored.buckets) share.buckets.set(start, { sum, n });
    return share;
  }

  /**
   * Learns one pairwise judgment; counts its non-attitude probability in the bucket starting at `bucketStart`, or
   * nowhere when its bucket is already closed (undefined): the user's state still learns it.
   */
  observe(event: PairwiseEventV1, bucketStart: number | undefined): void {
    const { posterior } = this.reliability.observe(pairwiseJudgment(event));
    if (bucketStart === undefined) return;
    let bucket = this.buckets.get(bucketStart);
    if (bucket === undefined) this.buckets.set(bucketStart, (bucket = { sum: 0, n: 0 }));
    bucket.sum += posterior['non-attitude'];
    bucket.n += 1;
  }

  /** The closing bucket's share and its judgment count (undefined below the minimum); forgets the bucket. */
  close(bucketStart: number): { value: number; judgments: number } | undefined {
    const bucket = this.buckets.get(bucketStart);
    this.buckets.delete(bucketStart);
    if (bucket === undefined || bucket.n < NON_ATTITUDE_MIN_JUDGMENTS) return undefined;
    return { value: bucket.sum / bucket.n, judgments: bucket.n };
  }

  toJSON(): StoredNonAttitudeShare {
    return { reliability: this.reliability.toJSON(), buckets: [...this.buckets].sort(([a], [b]) => a - b).map(([start, { sum, n }]) => [start, sum, n]) };
  }
}
