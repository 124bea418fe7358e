import type { DriftAlertV1 } from '@chorus/contracts';
import { PopulationShard, type StoredPopulationShard } from './population-shard';
import { UserDriftState, type StoredUserDriftState, type UserMetric } from './user-drift-state';

/** An alert raised in memory, on its way to Postgres (where it is folded or inserted) and Kafka. */
export interface AlertCandidate {
  alert: DriftAlertV1;
  /** Event time (ms) of the detection: the cooldown is measured in event time. */
  eventAtMs: number;
  /** The message whose processing raised it (`topic:partition:offset`, topic without prefix). */
  source: string;
}

export interface UserSeriesPoint {
  userId: string;
  domain: string;
  metric: UserMetric;
  bucketStart: number;
  value: number;
}

export interface PopulationSeriesPoint {
  domain: string;
  metric: string;
  shard: number;
  bucketStart: number;
  value: number;
  users: number;
  events: number;
}

/** A segment's mean of one signal in one bucket and shard (drift_segment_series). */
export interface SegmentSeriesPoint {
  domain: string;
  segment: string;
  metric: string;
  shard: number;
  bucketStart: number;
  value: number;
  /** Members whose value the mean is over. */
  users: number;
}

/** Everything changed since the last commit, serialised: written to Postgres in one transaction. */
export interface DriftSnapshot {
  users: { userId: string; domain: string; state: string; events: number }[];
  shards: { domain: string; shard: number; state: string }[];
  /** Per consumed topic-partition: the stored offset we started from (the fence) and the new one. */
  offsets: { topic: string; partition: number; from: number; to: number }[];
  alerts: AlertCandidate[];
  userPoints: UserSeriesPoint[];
  populationPoints: PopulationSeriesPoint[];
  segmentPoints: SegmentSeriesPoint[];
}

export const userKey = (userId: string, domain: string) => `${userId}\u0001${domain}`;
const shardKey = (domain: string, partition: number) => `${domain}\u0001${partition}`;
const offsetKey = (topic: string, partition: number) => `${topic}\u0001${partition}`;

/**
 * Everything drift-watch holds in memory between commits. Users are an LRU (Map insertion order, refreshed on use);
 * only committed users are evicted, so nothing unflushed is lost.
 */
export class DriftState {
  private readonly users = new Map<string, UserDriftState>();
  private readonly shards = new Map<string, PopulationShard>();
  private readonly nextOffset = new Map<string, number>();
  private readonly committedOffset = new Map<string, number>();
  /** Partition numbers whose offsets and shards are loaded. */
  private readonly partitions = new Set<number>();
  private alerts: AlertCandidate[] = [];
  /** Points of buckets users have moved on from; the current bucket's point waits on the user (UserDriftState.points). */
  private completedPoints: UserSeriesPoint[] = [];
  private populationPoints: PopulationSeriesPoint[] = [];
  private segmentPoints: SegmentSeriesPoint[] = [];
  pendingMessages = 0;

  constructor(
    private readonly options: { userCacheSize: number; halfLife: number; polarizationAlpha: number; panelPool: number },
  ) {}

  clear(): void {
    this.users.clear();
    this.shards.clear();
    this.nextOffset.clear();
    this.committedOffset.clear();
    this.partitions.clear();
    this.alerts = [];
    this.completedPoints = [];
    this.populationPoints = [];
    this.segmentPoints = [];
    this.pendingMessages = 0;
  }

  hasPartition(partition: number): boolean {
    return this.partitions.has(partition);
  }

  partitionNumbers(): number[] {
    return [...this.partitions];
  }

  /** Installs a partition's stored resume points (one per topic) and its population shards. */
  adoptPartition(partition: number, offsets: { topic: string; nextOffset: number }[], shards: { domain: string; state: StoredPopulationShard }[]): void {
    this.partitions.add(partition);
    for (const { topic, nextOffset } of offsets) {
      this.nextOffset.set(offsetKey(topic, partition), nextOffset);
      this.committedOffset.set(offsetKey(topic, partition), nextOffset);
    }
    for (const { domain, state } of shards) {
      this.shards.set(shardKey(domain, partition), PopulationShard.restore(domain, partition, this.options.panelPool, state));
    }
  }

  next(topic: string, partition: number): number {
    return this.nextOffset.get(offsetKey(topic, partition)) ?? 0;
  }

  advance(topic: string, partition: number, to: number): void {
    if (to > this.next(topic, partition)) this.nextOffset.set(offsetKey(topic, partition), to);
  }

  shard(domain: string, partition: number): PopulationShard {
    const key = shardKey(domain, partition);
    let shard = this.shards.get(key);
    if (!shard) {
      shard = new PopulationShard(domain, partition, this.options.polarizationAlpha, this.options.panelPool);
      this.shards.set(key, shard);
    }
    return shard;
  }

  hasUser(userId: string, domain: string): boolean {
    return this.users.has(userKey(userId, domain));
  }

  /** The user's state (installed fresh if never seen), refreshed in the LRU order. */
  user(userId: string, domain: string): UserDriftState {
    const key = userKey(userId, domain);
    let user = this.users.get(key);
    if (user) {
      this.users.delete(key);
    } else {
      user = new UserDriftState(userId, domain, this.options.halfLife);
    }
    this.users.set(key, user);
    return user;
  }

  installUser(userId: string, domain: string, stored: StoredUserDriftState | undefined): void {
    const user = stored ? UserDriftState.restore(userId, domain, this.options.halfLife, stored) : new UserDriftState(userId, domain, this.options.halfLife);
    this.users.set(userKey(userId, domain), user);
  }

  raise(candidate: AlertCandidate): void {
    this.alerts.push(candidate);
  }

  /** The last value of a user's signal in a time bucket is that bucket's point. */
  recordUserPoint(user: UserDriftState, metric: UserMetric, bucket: number, value: number): void {
    const current = user.points.get(metric);
    if (current && current.bucket === bucket) {
      current.value = value;
      return;
    }
    if (current) this.completedPoints.push({ userId: user.userId, domain: user.domain, metric, bucketStart: current.bucket, value: current.value });
    user.points.set(metric, { bucket, value });
  }

  recordPopulationPoint(point: PopulationSeriesPoint): void {
    this.populationPoints.push(point);
  }

  recordSegmentPoint(point: SegmentSeriesPoint): void {
    this.segmentPoints.push(point);
  }

  /**
   * Serialise everything changed since the last snapshot and mark it clean. Serialising here, synchronously, is what
   * lets the Postgres write run while the next batches are applied: the snapshot can no longer change under it.
   */
  snapshot(): DriftSnapshot {
    const users: DriftSnapshot['users'] = [];
    const points = this.completedPoints;
    for (const user of this.users.values()) {
      if (!user.dirty) continue;
      users.push({ userId: user.userId, domain: user.domain, state: JSON.stringify(user.toJSON()), events: user.events });
      for (const [metric, point] of user.points) points.push({ userId: user.userId, domain: user.domain, metric, bucketStart: point.bucket, value: point.value });
      user.points.clear();
      user.dirty = false;
    }
    // One row per (user, metric, bucket), the last value winning (an upsert may not touch a row twice).
    const userPoints = new Map<string, UserSeriesPoint>();
    for (const point of points) userPoints.set(`${userKey(point.userId, point.domain)}\u0001${point.metric}\u0001${point.bucketStart}`, point);
    const shards: DriftSnapshot['shards'] = [];
    for (const shard of this.shards.values()) {
      if (!shard.dirty) continue;
      shards.push({ domain: shard.domain, shard: shard.partition, state: JSON.stringify(shard.toJSON()) });
      shard.dirty = false;
    }
    const offsets: DriftSnapshot['offsets'] = [];
    for (const [key, to] of this.nextOffset) {
      const from = this.committedOffset.get(key)!;
      const [topic, partition] = key.split('\u0001') as [string, string];
      if (to !== from) offsets.push({ topic, partition: Number(partition), from, to });
      this.committedOffset.set(key, to);
    }
    const snapshot: DriftSnapshot = {
      users,
      shards,
      offsets,
      alerts: this.alerts,
      userPoints: [...userPoints.values()],
      populationPoints: this.populationPoints,
      segmentPoints: this.segmentPoints,
    };
    this.alerts = [];
    this.completedPoints = [];
    this.populationPoints = [];
    this.segmentPoints = [];
    this.pendingMessages = 0;
    this.evictClean();
    return snapshot;
  }

  private evictClean(): void {
    let excess = this.users.size - this.options.userCacheSize;
    if (excess <= 0) return;
    for (const [key, user] of this.users) {
      if (excess <= 0) break;
      if (user.dirty) continue;
      this.users.delete(key);
      excess--;
    }
  }
}
