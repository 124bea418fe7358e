import type { DriftAlertV1 } from '@chorus/contracts';
import { PopulationShard, type StoredPopulationShard } from './population-shard';
import { encodeUserState } from './user-state.codec';
import { USER_METRICS, UserDriftState, type StoredUserDriftState, type UserMetric } from './user-drift-state';

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
  /** Only users changed since the last snapshot, their state encoded (user-state.codec.ts). */
  users: { userId: string; domain: string; state: Buffer; events: number }[];
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

export interface DriftStateOptions {
  /**
   * Users (per domain) kept in memory (DRIFT_MAX_RESIDENT_USERS). Beyond it, cold users are evicted at each snapshot
   * (a clock over the user slots: a user touched since the hand last passed is spared once) and read back from
   * Postgres, in one query per batch, on their next event. Users changed since the previous snapshot are never
   * evicted (their state is not in Postgres yet), so residents exceed the budget by at most the users touched in two
   * commit intervals.
   */
  maxResidentUsers: number;
  halfLife: number;
  polarizationAlpha: number;
  panelPool: number;
}

/**
 * Everything drift-watch holds in memory between commits. Users live in interned slots (userKey → slot), with the
 * clock's bookkeeping in typed arrays beside them, so a hit costs one Map lookup and one byte written.
 */
export class DriftState {
  /**
   * domain → userId → slot in `slots`. Two levels rather than one map keyed by userKey: a lookup then builds no key
   * string, and every event looks its user up.
   */
  private readonly index = new Map<string, Map<string, number>>();
  private resident = 0;
  private slots: (UserDriftState | undefined)[] = [];
  /** Per slot: touched since the clock hand last passed (1) or not (0). */
  private referenced = new Uint8Array(1024);
  /** Per slot: the snapshot the user's state was last written in (its commit may still be in flight). */
  private writtenIn = new Int32Array(1024);
  /** Per slot: the last snapshot interval (sequence) the user was used in; `touched` lists those of this one. */
  private touchedIn = new Int32Array(1024);
  /** Slots used since the last snapshot: a snapshot looks only at them, so its cost does not grow with residents. */
  private touched: number[] = [];
  private readonly freeSlots: number[] = [];
  private hand = 0;
  /** Snapshots taken so far. */
  private sequence = 0;
  private readonly shards = new Map<string, PopulationShard>();
  /** The same shards by domain, then partition: every event looks its shard up, and this needs no key string. */
  private readonly shardsByDomain = new Map<string, PopulationShard[]>();
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

  constructor(private readonly options: DriftStateOptions) {}

  clear(): void {
    this.index.clear();
    this.resident = 0;
    this.slots = [];
    this.freeSlots.length = 0;
    this.touched = [];
    this.hand = 0;
    this.shards.clear();
    this.shardsByDomain.clear();
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
      this.setShard(PopulationShard.restore(domain, partition, this.options.panelPool, state));
    }
  }

  next(topic: string, partition: number): number {
    return this.nextOffset.get(offsetKey(topic, partition)) ?? 0;
  }

  advance(topic: string, partition: number, to: number): void {
    if (to > this.next(topic, partition)) this.nextOffset.set(offsetKey(topic, partition), to);
  }

  shard(domain: string, partition: number): PopulationShard {
    const shard = this.shardsByDomain.get(domain)?.[partition];
    return shard ?? this.setShard(new PopulationShard(domain, partition, this.options.polarizationAlpha, this.options.panelPool));
  }

  private setShard(shard: PopulationShard): PopulationShard {
    this.shards.set(shardKey(shard.domain, shard.partition), shard);
    let byPartition = this.shardsByDomain.get(shard.domain);
    if (byPartition === undefined) this.shardsByDomain.set(shard.domain, (byPartition = []));
    byPartition[shard.partition] = shard;
    return shard;
  }

  hasUser(userId: string, domain: string): boolean {
    return this.index.get(domain)?.has(userId) ?? false;
  }

  /** Users in memory now. */
  get residentUsers(): number {
    return this.resident;
  }

  /**
   * The user's state, marked as used. A user not in memory starts fresh: the caller loads evicted users first
   * (ObserveEventsUseCase.preload), so this only happens to a user never seen.
   */
  user(userId: string, domain: string): UserDriftState {
    const slot = this.index.get(domain)?.get(userId);
    if (slot !== undefined) {
      this.referenced[slot] = 1;
      this.touch(slot);
      return this.slots[slot]!;
    }
    return this.place(new UserDriftState(userId, domain, this.options.halfLife));
  }

  installUser(userId: string, domain: string, stored: StoredUserDriftState | undefined): void {
    this.place(stored ? UserDriftState.restore(userId, domain, this.options.halfLife, stored) : new UserDriftState(userId, domain, this.options.halfLife));
  }

  private place(user: UserDriftState): UserDriftState {
    let users = this.index.get(user.domain);
    if (users === undefined) this.index.set(user.domain, (users = new Map()));
    const existing = users.get(user.userId);
    const slot = existing ?? this.freeSlots.pop() ?? this.slots.length;
    if (slot >= this.referenced.length) this.grow();
    this.slots[slot] = user;
    this.referenced[slot] = 1;
    this.writtenIn[slot] = -1;
    this.touchedIn[slot] = -1;
    this.touch(slot);
    if (existing === undefined) {
      users.set(user.userId, slot);
      this.resident++;
    }
    return user;
  }

  private touch(slot: number): void {
    if (this.touchedIn[slot] === this.sequence) return;
    this.touchedIn[slot] = this.sequence;
    this.touched.push(slot);
  }

  private grow(): void {
    const referenced = new Uint8Array(this.referenced.length * 2);
    referenced.set(this.referenced);
    this.referenced = referenced;
    const writtenIn = new Int32Array(this.writtenIn.length * 2);
    writtenIn.set(this.writtenIn);
    this.writtenIn = writtenIn;
    const touchedIn = new Int32Array(this.touchedIn.length * 2);
    touchedIn.set(this.touchedIn);
    this.touchedIn = touchedIn;
  }

  raise(candidate: AlertCandidate): void {
    this.alerts.push(candidate);
  }

  /** The last value of a user's signal (by USER_METRICS index) in a time bucket is that bucket's point. */
  recordUserPoint(user: UserDriftState, metric: number, bucket: number, value: number): void {
    const bit = 1 << metric;
    if ((user.pointBits & bit) !== 0 && user.pointBuckets[metric] !== bucket) {
      this.completedPoints.push({ userId: user.userId, domain: user.domain, metric: USER_METRICS[metric]!, bucketStart: user.pointBuckets[metric]!, value: user.pointValues[metric]! });
    }
    user.pointBits |= bit;
    user.pointBuckets[metric] = bucket;
    user.pointValues[metric] = value;
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
    const touched = this.touched;
    this.touched = [];
    this.sequence++;
    for (const slot of touched) {
      const user = this.slots[slot];
      if (!user?.dirty) continue;
      this.writtenIn[slot] = this.sequence;
      users.push({ userId: user.userId, domain: user.domain, state: encodeUserState(user.toJSON()), events: user.events });
      for (let i = 0; i < USER_METRICS.length; i++) {
        if ((user.pointBits & (1 << i)) === 0) continue;
        points.push({ userId: user.userId, domain: user.domain, metric: USER_METRICS[i]!, bucketStart: user.pointBuckets[i]!, value: user.pointValues[i]! });
      }
      user.pointBits = 0;
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
    this.evictCold();
    return snapshot;
  }

  /**
   * Brings residents back to the budget: the clock hand sweeps the slots (two turns at most, so a user spared for its
   * reference bit can go on the second), evicting users neither touched since it last passed nor written in the
   * snapshot just taken — that one may still be on its way to Postgres, where the user would be read back from.
   */
  private evictCold(): void {
    let excess = this.resident - this.options.maxResidentUsers;
    for (let steps = 2 * this.slots.length; excess > 0 && steps > 0; steps--) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % this.slots.length;
      const user = this.slots[slot];
      if (user === undefined || user.dirty || this.writtenIn[slot] === this.sequence) continue;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      this.index.get(user.domain)!.delete(user.userId);
      this.resident--;
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
      excess--;
    }
  }
}
