import { DiagonalGaussianLogistic, type DiagonalGaussianLogisticJSON } from '@chorus/reward';
import type { ModelPriors } from '@chorus/platform';

/** A user's personalized deviation b_u in one domain, with its retry-dedupe window. */
export interface UserState {
  userId: string;
  domain: string;
  model: DiagonalGaussianLogistic;
  eventsSeen: number;
  /** The most recent event ids, oldest first, bounded by the dedupe window. */
  recentEventIds: string[];
  dirty: boolean;
}

/** One partition's share of a domain's aggregate posterior. */
export interface ShardState {
  domain: string;
  partition: number;
  model: DiagonalGaussianLogistic;
  eventsSeen: number;
  dirty: boolean;
}

/** How a user row is stored: the deviation's posterior and the dedupe window. */
export interface StoredUserState {
  weights: DiagonalGaussianLogisticJSON;
  recentEventIds: string[];
}

export interface FlushSnapshot {
  users: { userId: string; domain: string; state: string; eventsSeen: number }[];
  shards: { domain: string; partition: number; state: string; eventsSeen: number }[];
  interactions: { userId: string; domain: string; itemId: string }[];
  predictions: PrequentialPrediction[];
  offsets: { partition: number; from: number; to: number }[];
  counters: Record<string, number>;
}

export interface PrequentialPrediction {
  eventId: string;
  domain: string;
  userId: string;
  occurredAt: string;
  label: number;
  weight: number;
  pAggregate: number;
  pPersonalized: number;
}

export const userKey = (userId: string, domain: string) => `${userId}\u0001${domain}`;
const shardKey = (domain: string, partition: number) => `${domain}\u0001${partition}`;

/**
 * Everything the learner holds in memory between commits. Users are an LRU (Map insertion order, refreshed on use);
 * only clean users are evicted, so nothing unflushed is ever dropped.
 */
export class LearnerState {
  private readonly users = new Map<string, UserState>();
  private readonly shards = new Map<string, ShardState>();
  /** Per partition: the next offset to apply, and the one last committed to Postgres. */
  readonly nextOffset = new Map<number, number>();
  readonly committedOffset = new Map<number, number>();
  private interactions: FlushSnapshot['interactions'] = [];
  private predictions: PrequentialPrediction[] = [];
  private counters: Record<string, number> = {};
  pendingEvents = 0;

  constructor(
    readonly priors: ModelPriors,
    private readonly userCacheSize: number,
  ) {}

  clear(): void {
    this.users.clear();
    this.shards.clear();
    this.nextOffset.clear();
    this.committedOffset.clear();
    this.interactions = [];
    this.predictions = [];
    this.counters = {};
    this.pendingEvents = 0;
  }

  hasPartition(partition: number): boolean {
    return this.nextOffset.has(partition);
  }

  adoptPartition(partition: number, nextOffset: number, shards: { domain: string; state: DiagonalGaussianLogisticJSON; eventsSeen: number }[]): void {
    this.nextOffset.set(partition, nextOffset);
    this.committedOffset.set(partition, nextOffset);
    for (const shard of shards) {
      this.shards.set(shardKey(shard.domain, partition), {
        domain: shard.domain,
        partition,
        model: DiagonalGaussianLogistic.fromJSON(shard.state, this.priors.aggregate),
        eventsSeen: shard.eventsSeen,
        dirty: false,
      });
    }
  }

  shard(domain: string, partition: number): ShardState {
    const key = shardKey(domain, partition);
    let shard = this.shards.get(key);
    if (!shard) {
      shard = { domain, partition, model: new DiagonalGaussianLogistic(this.priors.aggregate), eventsSeen: 0, dirty: false };
      this.shards.set(key, shard);
    }
    return shard;
  }

  cachedUser(userId: string, domain: string): UserState | undefined {
    const key = userKey(userId, domain);
    const user = this.users.get(key);
    if (user) {
      // Refresh recency: Map iteration order is insertion order, so re-inserting moves the user to the young end.
      this.users.delete(key);
      this.users.set(key, user);
    }
    return user;
  }

  hasUser(userId: string, domain: string): boolean {
    return this.users.has(userKey(userId, domain));
  }

  /** Install a user loaded from Postgres, or a new one (a user with no events is exactly the aggregate: b_u = 0). */
  installUser(userId: string, domain: string, stored?: { state: StoredUserState; eventsSeen: number }): UserState {
    const options = this.priors.user(domain);
    const user: UserState = {
      userId,
      domain,
      model: stored ? DiagonalGaussianLogistic.fromJSON(stored.state.weights, options) : new DiagonalGaussianLogistic(options),
      eventsSeen: stored?.eventsSeen ?? 0,
      recentEventIds: stored?.state.recentEventIds ?? [],
      dirty: false,
    };
    this.users.set(userKey(userId, domain), user);
    return user;
  }

  recordInteraction(userId: string, domain: string, itemId: string): void {
    this.interactions.push({ userId, domain, itemId });
  }

  recordPrediction(prediction: PrequentialPrediction): void {
    this.predictions.push(prediction);
  }

  count(name: string, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  /**
   * Serialise everything changed since the last snapshot and mark it clean. Serialising here, synchronously, is what
   * lets the Postgres write run while the next batches are applied: the snapshot can no longer change under it.
   */
  snapshot(): FlushSnapshot {
    const users: FlushSnapshot['users'] = [];
    for (const user of this.users.values()) {
      if (!user.dirty) continue;
      const state: StoredUserState = { weights: user.model.toJSON(), recentEventIds: user.recentEventIds };
      users.push({ userId: user.userId, domain: user.domain, state: JSON.stringify(state), eventsSeen: user.eventsSeen });
      user.dirty = false;
    }
    const shards: FlushSnapshot['shards'] = [];
    for (const shard of this.shards.values()) {
      if (!shard.dirty) continue;
      shards.push({ domain: shard.domain, partition: shard.partition, state: JSON.stringify(shard.model.toJSON()), eventsSeen: shard.eventsSeen });
      shard.dirty = false;
    }
    const offsets: FlushSnapshot['offsets'] = [];
    for (const [partition, to] of this.nextOffset) {
      const from = this.committedOffset.get(partition)!;
      if (to !== from) offsets.push({ partition, from, to });
      this.committedOffset.set(partition, to);
    }
    const snapshot: FlushSnapshot = { users, shards, interactions: this.interactions, predictions: this.predictions, offsets, counters: this.counters };
    this.interactions = [];
    this.predictions = [];
    this.counters = {};
    this.pendingEvents = 0;
    this.evictClean();
    return snapshot;
  }

  private evictClean(): void {
    let excess = this.users.size - this.userCacheSize;
    if (excess <= 0) return;
    for (const [key, user] of this.users) {
      if (excess <= 0) break;
      if (user.dirty) continue;
      this.users.delete(key);
      excess--;
    }
  }
}
