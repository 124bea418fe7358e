import { DiagonalGaussianLogistic, PersonaMixture, type DiagonalGaussianLogisticJSON } from '@chorus/reward';
import type { DeadLetterV1 } from '@chorus/contracts';
import { storedPersonas, userStateText, type ModelPriors, type StoredPersonas } from '@chorus/platform';
import { encodeDedupeWindow } from '../persistence/dedupe-window.codec';

/** A user's personalized deviation in one domain (its personas, issue #16), with its retry-dedupe window. */
export interface UserState {
  userId: string;
  domain: string;
  model: PersonaMixture;
  eventsSeen: number;
  /** Dedupe keys of the most recent event ids (see eventDedupeKey), oldest first, bounded by the dedupe window. */
  recentEventIds: number[];
  /** Items interacted with since the last snapshot. */
  newItemIds: string[];
  /** The user's interaction rows in user_item_batches: as loaded, plus those appended since (reset by a merge). */
  interactionRows: number;
  /** Recency tick of the last use, for eviction. */
  lastUsed: number;
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

/**
 * A user row as loaded: the first persona's posterior (`weights`, what a single-deviation reader serves), the rest of
 * the personas' state when there is more than the one deviation (`personas`, its first persona's weights left out),
 * and the dedupe window.
 */
export interface StoredUserState {
  weights: DiagonalGaussianLogisticJSON;
  personas?: StoredPersonas;
  recentEventIds: number[];
}



/**
 * The port through which applying feedback reads users that are not in memory (LearnerStateRepository in production).
 * Keyed `${userId}\u0001${domain}`; users never stored are absent.
 */
export interface StoredUsers {
  loadUsers(keys: { userId: string; domain: string }[]): Promise<Map<string, { state: StoredUserState; eventsSeen: number; interactionRows: number }>>;
}

export interface FlushSnapshot {
  /** `state`: the JSON of user_models.state (see {@link userStateText}); `recentEventKeys`: the encoded dedupe window. */
  users: { userId: string; domain: string; state: string; recentEventKeys: Buffer; eventsSeen: number }[];
  shards: { domain: string; partition: number; state: string; eventsSeen: number }[];
  /** Items each touched user interacted with since the last snapshot. */
  interactions: { userId: string; domain: string; itemIds: string[] }[];
  /** Users whose interaction rows this commit merges into one (see LEARNER_INTERACTION_ROWS_PER_USER). */
  compactInteractions: { userId: string; domain: string }[];
  predictions: PrequentialPrediction[];
  offsets: { partition: number; from: number; to: number }[];
  counters: Record<string, number>;
  /** Refused messages whose offsets this snapshot commits: they go to the outbox in the same transaction. */
  deadLetters: DeadLetterV1[];
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

/**
 * Everything the learner holds in memory between commits. Users are indexed by domain then id (no key strings built
 * per event) and evicted least-recently-used first when over capacity; only clean users are evicted, so nothing
 * unflushed is ever dropped.
 */
export class LearnerState {
  private readonly users = new Map<string, Map<string, UserState>>();
  private userCount = 0;
  private tick = 0;
  private readonly shards = new Map<string, ShardState[]>();
  /** Per partition: the next offset to apply, and the one last committed to Postgres. */
  readonly nextOffset = new Map<number, number>();
  readonly committedOffset = new Map<number, number>();
  private predictions: PrequentialPrediction[] = [];
  private deadLetters: DeadLetterV1[] = [];
  private counters: Record<string, number> = {};
  pendingEvents = 0;

  constructor(
    readonly priors: ModelPriors,
    private readonly userCacheSize: number,
    private readonly interactionRowsPerUser = Number.POSITIVE_INFINITY,
  ) {}

  clear(): void {
    this.users.clear();
    this.userCount = 0;
    this.shards.clear();
    this.nextOffset.clear();
    this.committedOffset.clear();
    this.predictions = [];
    this.deadLetters = [];
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
      this.domainShards(shard.domain)[partition] = {
        domain: shard.domain,
        partition,
        model: DiagonalGaussianLogistic.fromJSON(shard.state, this.priors.aggregate),
        eventsSeen: shard.eventsSeen,
        dirty: false,
      };
    }
  }

  shard(domain: string, partition: number): ShardState {
    const shards = this.domainShards(domain);
    return (shards[partition] ??= { domain, partition, model: new DiagonalGaussianLogistic(this.priors.aggregate), eventsSeen: 0, dirty: false });
  }

  cachedUser(userId: string, domain: string): UserState | undefined {
    const user = this.users.get(domain)?.get(userId);
    if (user) user.lastUsed = ++this.tick;
    return user;
  }

  hasUser(userId: string, domain: string): boolean {
    return this.users.get(domain)?.has(userId) ?? false;
  }

  /** Install a user loaded from Postgres, or a new one (a user with no events is exactly the aggregate: b_u = 0). */
  installUser(userId: string, domain: string, stored?: { state: StoredUserState; eventsSeen: number; interactionRows?: number }): UserState {
    // Decoded ids are slices of a whole fetch batch's text; one kept for the user's lifetime would keep the batch alive.
    userId = (' ' + userId).slice(1);
    const user: UserState = {
      userId,
      domain,
      model: stored
        ? this.priors.restoreUserPersonas(domain, { weights: stored.state.weights, personas: storedPersonas(stored.state.weights, stored.state.personas), eventsSeen: stored.eventsSeen })
        : new PersonaMixture(this.priors.personas(domain)),
      eventsSeen: stored?.eventsSeen ?? 0,
      recentEventIds: stored?.state.recentEventIds ?? [],
      newItemIds: [],
      interactionRows: stored?.interactionRows ?? 0,
      lastUsed: ++this.tick,
      dirty: false,
    };
    let inDomain = this.users.get(domain);
    if (!inDomain) this.users.set(domain, (inDomain = new Map()));
    if (!inDomain.has(userId)) this.userCount++;
    inDomain.set(userId, user);
    return user;
  }

  recordDeadLetters(letters: DeadLetterV1[]): void {
    for (const letter of letters) this.deadLetters.push(letter);
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
    const interactions: FlushSnapshot['interactions'] = [];
    const compactInteractions: FlushSnapshot['compactInteractions'] = [];
    for (const inDomain of this.users.values()) {
      for (const user of inDomain.values()) {
        if (!user.dirty) continue;
        users.push({
          userId: user.userId,
          domain: user.domain,
          state: userStateText(user.model),
          recentEventKeys: encodeDedupeWindow(user.recentEventIds),
          eventsSeen: user.eventsSeen,
        });
        if (user.newItemIds.length > 0) {
          interactions.push({ userId: user.userId, domain: user.domain, itemIds: user.newItemIds });
          if (++user.interactionRows >= this.interactionRowsPerUser) {
            compactInteractions.push({ userId: user.userId, domain: user.domain });
            user.interactionRows = 1;
          }
        }
        user.newItemIds = [];
        user.dirty = false;
      }
    }
    const shards: FlushSnapshot['shards'] = [];
    for (const inDomain of this.shards.values()) {
      for (const shard of inDomain) {
        if (!shard?.dirty) continue;
        shards.push({ domain: shard.domain, partition: shard.partition, state: shard.model.toJSONText(), eventsSeen: shard.eventsSeen });
        shard.dirty = false;
      }
    }
    const offsets: FlushSnapshot['offsets'] = [];
    for (const [partition, to] of this.nextOffset) {
      const from = this.committedOffset.get(partition)!;
      if (to !== from) offsets.push({ partition, from, to });
      this.committedOffset.set(partition, to);
    }
    const snapshot: FlushSnapshot = { users, shards, interactions, compactInteractions, predictions: this.predictions, offsets, counters: this.counters, deadLetters: this.deadLetters };
    this.deadLetters = [];
    this.predictions = [];
    this.counters = {};
    this.pendingEvents = 0;
    this.evictClean();
    return snapshot;
  }

  private domainShards(domain: string): ShardState[] {
    let shards = this.shards.get(domain);
    if (!shards) this.shards.set(domain, (shards = []));
    return shards;
  }

  /** Over capacity: drop the least recently used clean users, down to 90% so eviction runs rarely. */
  private evictClean(): void {
    if (this.userCount <= this.userCacheSize) return;
    const clean: UserState[] = [];
    for (const inDomain of this.users.values()) for (const user of inDomain.values()) if (!user.dirty) clean.push(user);
    clean.sort((a, b) => a.lastUsed - b.lastUsed);
    const excess = this.userCount - Math.floor(this.userCacheSize * 0.9);
    for (const user of clean.slice(0, excess)) {
      this.users.get(user.domain)!.delete(user.userId);
      this.userCount--;
    }
  }
}

