import {
  BorrowingEvidence,
  ConditionDeviations,
  DEFAULT_POOLING_GRID,
  DiagonalGaussianLogistic,
  DonorPool,
  PersonaMixture,
  POOLING_REFRESH_EVENTS,
  PoolingStrengthGrid,
  rebaseItemIntercepts,
  type DiagonalGaussianLogisticJSON,
  type DonorProfile,
  type PoolingStrengthGridJSON,
} from '@chorus/reward';
import type { DeadLetterV1 } from '@chorus/contracts';
import { PAIR_SEPARATOR, PairCounts, pairKey, UserReliabilityState } from '@chorus/reliability';
import { encodeUserModelState, LEARNED_ITEM_VARIANCE_START, storedPersonas, userModelState, type ModelPriors, type StoredBorrowing, type StoredItemVarianceEvidence, type UserModelState } from '@chorus/scoring';
import { PrequentialAucAccumulator, type PrequentialAucRow } from './prequential-auc.accumulator';
import { encodeDedupeWindow } from '../persistence/dedupe-window.codec';

/** A user's personalized deviation in one domain (its personas, issue #16), with its retry-dedupe window. */
export interface UserState {
  userId: string;
  domain: string;
  model: PersonaMixture;
  /** τ² every persona's posterior is learned under (stored with them, so a learned τ² can change under them). */
  tau2: number;
  eventsSeen: number;
  /** Dedupe keys of the most recent event ids (see eventDedupeKey), oldest first, bounded by the dedupe window. */
  recentEventIds: number[];
  /** Items interacted with since the last snapshot. */
  newItemIds: string[];
  /** The user's interaction rows in user_item_batches: as loaded, plus those appended since (reset by a merge). */
  interactionRows: number;
  /** Label reliability of the user's pairwise judgments (issue #15); undefined until the first one. */
  reliability?: UserReliabilityState;
  /**
   * Per-condition deviations d_{u,c} (issue #15: a constructed preference counts within its framing); always present,
   * undefined until a judgment under a framing teaches one.
   */
  conditions: ConditionDeviations | undefined;
  /** The user's place among the resident users (the eviction clock's bookkeeping is kept per slot). */
  slot: number;
  /** The snapshot the user's state was last written in (its commit may still be in flight): -1 when never. */
  writtenIn: number;
  /** Changed since the last snapshot: set through LearnerState.markChanged, which also lists the user for it. */
  dirty: boolean;
  /** Cold-start borrowing (when on, while the user is cold): the guard's evidence and the donor chosen last. */
  borrowing?: { donor?: Pick<DonorProfile, 'userId' | 'means'>; evidence: BorrowingEvidence };
}

/** One partition's share of a domain's aggregate posterior. */
export interface ShardState {
  domain: string;
  partition: number;
  model: DiagonalGaussianLogistic;
  /**
   * Where τ² is learned: the prequential evidence of each candidate τ² from this partition's events (persisted with
   * the shard, so it is exactly-once like the posterior it sits beside). Undefined where τ² is fixed.
   */
  evidence?: PoolingStrengthGrid;
  /**
   * The τ² this partition's users are learned and served under: the fixed one, or its evidence's leader as of the
   * last multiple of POOLING_REFRESH_EVENTS of its events (persisted with the evidence).
   */
  tau2: number;
  /**
   * The pairwise judgment counts of this partition's users per pair (issue #15): the leave-one-out majority a judgment
   * is compared with. Per partition for the same reason as the evidence: the state stays a function of the log.
   */
  pairs: PairCounts;
  /**
   * Where σ²_c (the aggregate's item-intercept prior variance) is learned: each candidate's prequential evidence from
   * this partition's events, persisted with the shard. Undefined where LEARNER_ITEM_PRIOR_VARIANCE fixes it.
   */
  itemEvidence?: PoolingStrengthGrid;
  /** σ²_c this shard's intercepts are under: the fixed one, or its evidence's leader as of its last refresh. */
  itemVariance: number;
  /** Cold-start borrowing's donors among this partition's users (persisted with the shard); undefined when it is off. */
  donors?: DonorPool;
  eventsSeen: number;
  dirty: boolean;
}

/** A shard's pooling evidence as persisted: the evidence, and the τ² its partition's users are under. */
export type StoredPoolingEvidence = PoolingStrengthGridJSON & { readonly tau2?: number };

/**
 * A user row as loaded: user_models.state decoded (see encodeUserModelState: the personas, the τ² they were learned
 * under, borrowing, label reliability), and the dedupe window.
 */
export type StoredUserState = UserModelState & { recentEventIds: number[] };


/**
 * The port through which applying feedback reads users that are not in memory (LearnerStateRepository in production).
 * Keyed `${userId}\u0001${domain}`; users never stored are absent.
 */
export interface StoredUsers {
  loadUsers(keys: { userId: string; domain: string }[]): Promise<Map<string, { state: StoredUserState; eventsSeen: number; interactionRows: number }>>;
}

export interface FlushSnapshot {
  /** `state`: user_models.state's bytes (see encodeUserModelState); `recentEventKeys`: the encoded dedupe window. */
  users: { userId: string; domain: string; state: Buffer; recentEventKeys: Buffer; eventsSeen: number }[];
  /** `evidence`: the JSON of the shard's pooling evidence (learned τ²), or null where τ² is fixed. */
  shards: { domain: string; partition: number; state: string; evidence?: string | null; itemEvidence?: string | null; donors?: string | null; eventsSeen: number }[];
  /** Pair counts of the shards' reliability that changed since the last snapshot (item ids in pairKey order). */
  reliabilityPairs: { domain: string; partition: number; itemA: string; itemB: string; n: number; a: number }[];
  /** Items each touched user interacted with since the last snapshot. */
  interactions: { userId: string; domain: string; itemIds: string[] }[];
  /** Users whose interaction rows this commit merges into one (see LEARNER_INTERACTION_ROWS_PER_USER). */
  compactInteractions: { userId: string; domain: string }[];
  predictions: PrequentialPrediction[];
  offsets: { partition: number; from: number; to: number }[];
  counters: Record<string, number>;
  /** Refused messages whose offsets this snapshot commits: they go to the outbox in the same transaction. */
  deadLetters: DeadLetterV1[];
  /** Prequential AUC histograms to add to learner_prequential_auc in the same transaction. */
  auc: PrequentialAucRow[];
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
 * per event). Beyond LEARNER_MAX_RESIDENT_USERS, cold users are evicted at each snapshot by a clock over their slots (a
 * user used since the hand last passed is spared once; a use costs one byte written) and read back from Postgres, a
 * chunk of events at a time, on their next event. Never evicted: users changed since the last snapshot (their state
 * is not in Postgres) and users written in the snapshot just taken (its commit may still be on its way, and a user
 * read back before it lands would be read stale), so residents exceed the budget by at most the users touched in two
 * commit intervals.
 */
export class LearnerState {
  private readonly users = new Map<string, Map<string, UserState>>();
  private userCount = 0;
  private slots: (UserState | undefined)[] = [];
  /** Per slot: used since the clock hand last passed (1) or not (0). */
  private referenced = new Uint8Array(1024);
  private readonly freeSlots: number[] = [];
  /**
   * The users changed since the last snapshot, each once (markChanged): what the snapshot writes, found without
   * walking every resident user (a walk whose cost per commit grows with residents, not with the commit's events).
   */
  private changed: UserState[] = [];
  private hand = 0;
  /** Snapshots taken so far. */
  private sequence = 0;
  private readonly shards = new Map<string, ShardState[]>();
  /** Per partition: the next offset to apply, and the one last committed to Postgres. */
  readonly nextOffset = new Map<number, number>();
  readonly committedOffset = new Map<number, number>();
  private predictions: PrequentialPrediction[] = [];
  private deadLetters: DeadLetterV1[] = [];
  private counters: Record<string, number> = {};
  readonly auc = new PrequentialAucAccumulator();
  pendingEvents = 0;

  constructor(
    readonly priors: ModelPriors,
    private readonly maxResidentUsers: number,
    private readonly interactionRowsPerUser = Number.POSITIVE_INFINITY,
  ) {}

  clear(): void {
    this.users.clear();
    this.userCount = 0;
    this.slots = [];
    this.freeSlots.length = 0;
    this.changed = [];
    this.hand = 0;
    this.shards.clear();
    this.nextOffset.clear();
    this.committedOffset.clear();
    this.predictions = [];
    this.deadLetters = [];
    this.counters = {};
    this.auc.take();
    this.pendingEvents = 0;
  }

  hasPartition(partition: number): boolean {
    return this.nextOffset.has(partition);
  }

  adoptPartition(
    partition: number,
    nextOffset: number,
    shards: {
      domain: string;
      state: DiagonalGaussianLogisticJSON;
      evidence?: StoredPoolingEvidence | null;
      itemEvidence?: StoredItemVarianceEvidence | null;
      donors?: DonorProfile[] | null;
      eventsSeen: number;
    }[],
    reliabilityPairs: readonly { domain: string; itemA: string; itemB: string; n: number; a: number }[] = [],
  ): void {
    this.nextOffset.set(partition, nextOffset);
    this.committedOffset.set(partition, nextOffset);
    for (const shard of shards) {
      const evidence = this.learnsTau2(shard.domain) ? PoolingStrengthGrid.fromJSON(shard.evidence, this.priors.tau2Grid) : undefined;
      // The stored τ² when it is one of the grid's (the grid may have been reconfigured); else the evidence's leader.
      const stored = shard.evidence?.tau2;
      const tau2 = evidence ? (stored !== undefined && evidence.grid.includes(stored) ? stored : evidence.leader()) : this.priors.tau2(shard.domain);
      const items = this.itemVarianceOf(shard);
      this.domainShards(shard.domain)[partition] = {
        domain: shard.domain,
        partition,
        model: DiagonalGaussianLogistic.fromJSON(items.state, this.priors.aggregateUnder(items.variance)),
        evidence,
        tau2,
        itemEvidence: items.evidence,
        itemVariance: items.variance,
        donors: this.borrows ? DonorPool.fromJSON(shard.donors, this.priors.borrowing.donors) : undefined,
        pairs: new PairCounts(),
        eventsSeen: shard.eventsSeen,
        dirty: false,
      };
    }
    for (const { domain, itemA, itemB, n, a } of reliabilityPairs) this.shard(domain, partition).pairs.set(pairKey(itemA, itemB), n, a);
  }

  /**
   * A stored shard's σ²_c: fixed, or its stored evidence continued and the σ²_c it was under (its leader when the
   * stored value is not on the grid). A posterior stored under another σ²_c than the one it is now under (the
   * configuration changed) is rebased to it.
   */
  private itemVarianceOf(shard: { state: DiagonalGaussianLogisticJSON; itemEvidence?: StoredItemVarianceEvidence | null }) {
    const fixed = this.priors.fixedItemVariance;
    const evidence = fixed === undefined ? PoolingStrengthGrid.fromJSON(shard.itemEvidence, DEFAULT_POOLING_GRID) : undefined;
    const stored = shard.itemEvidence?.variance;
    const variance = evidence ? (stored !== undefined && evidence.grid.includes(stored) ? stored : evidence.leader()) : fixed!;
    // Rows from before σ²_c was learned were under the old fixed default, 1.
    const under = stored ?? LEARNED_ITEM_VARIANCE_START;
    return { evidence, variance, state: under === variance ? shard.state : rebaseItemIntercepts(shard.state, under, variance) };
  }

  /** Whether cold-start borrowing is on (LEARNER_BORROWING): the learner then keeps donors and evidence. */
  get borrows(): boolean {
    return this.priors.borrowing.guard.enabled;
  }

  shard(domain: string, partition: number): ShardState {
    const shards = this.domainShards(domain);
    // Called for every event: the common case returns before building a new shard's evidence grids.
    const existing = shards[partition];
    if (existing !== undefined) return existing;
    const evidence = this.learnsTau2(domain) ? new PoolingStrengthGrid(this.priors.tau2Grid) : undefined;
    const itemEvidence = this.priors.fixedItemVariance === undefined ? new PoolingStrengthGrid(DEFAULT_POOLING_GRID) : undefined;
    const itemVariance = itemEvidence ? itemEvidence.leader() : this.priors.fixedItemVariance!;
    return (shards[partition] = {
      domain,
      partition,
      model: new DiagonalGaussianLogistic(this.priors.aggregateUnder(itemVariance)),
      evidence,
      tau2: evidence ? evidence.leader() : this.priors.tau2(domain),
      itemEvidence,
      itemVariance,
      donors: this.borrows ? new DonorPool(this.priors.borrowing.donors) : undefined,
      pairs: new PairCounts(),
      eventsSeen: 0,
      dirty: false,
    });
  }

  /** Whether a domain's τ² is learned (no fixed LEARNER_TAU2 / LEARNER_TAU2_BY_DOMAIN for it). */
  learnsTau2(domain: string): boolean {
    return this.priors.fixedTau2(domain) === undefined;
  }

  /**
   * After a shard applied an event: every POOLING_REFRESH_EVENTS of its events, a learned τ² becomes its evidence's
   * leader. Counted in the partition's own events, so where τ² moves is a function of the partition's log alone: a
   * replay after a crash, or another instance after a rebalance, moves it at the same events. That is why each
   * partition learns from its own users (a random share of them: users are partitioned by a hash of their id) rather
   * than from what other instances committed, which would make the state depend on timing.
   */
  applied(shard: ShardState): void {
    shard.eventsSeen++;
    shard.dirty = true;
    if (shard.eventsSeen % POOLING_REFRESH_EVENTS !== 0) return;
    if (shard.evidence) shard.tau2 = shard.evidence.leader();
    const items = shard.itemEvidence?.leader();
    if (items !== undefined && items !== shard.itemVariance) {
      // The shard's intercepts move to the new σ²_c now (O(items it holds), once per refresh), the data's evidence kept.
      shard.model = DiagonalGaussianLogistic.fromJSON(rebaseItemIntercepts(shard.model.toJSON(), shard.itemVariance, items), this.priors.aggregateUnder(items));
      shard.itemVariance = items;
    }
  }

  /**
   * Re-expresses a user's personas under their partition's current τ² when they were learned under another
   * (rebasePersonas: every persona's and the shadow's posterior rebased as rebasePosterior does, the data's evidence
   * kept, the prior swapped), before the user's next event is scored. Not marked dirty: the stored row carries the τ²
   * it was learned under, so it stays exact until the user's next update.
   */
  alignUser(user: UserState, shard: ShardState): void {
    const tau2 = shard.tau2;
    if (user.tau2 === tau2) return;
    const options = this.priors.personas(user.domain, tau2);
    user.model = user.tau2 > 0 && tau2 > 0 ? user.model.rebased(user.tau2, tau2, options) : new PersonaMixture(options);
    user.tau2 = tau2;
  }

  cachedUser(userId: string, domain: string): UserState | undefined {
    const user = this.users.get(domain)?.get(userId);
    if (user) this.referenced[user.slot] = 1;
    return user;
  }

  /** Marks a resident user changed: the next snapshot writes their state (and they are not evicted before it). */
  markChanged(user: UserState): void {
    if (user.dirty) return;
    user.dirty = true;
    this.changed.push(user);
  }

  /** Users in memory now. */
  get residentUsers(): number {
    return this.userCount;
  }

  hasUser(userId: string, domain: string): boolean {
    return this.users.get(domain)?.has(userId) ?? false;
  }

  /**
   * The τ² a new user of a partition starts under: the partition's current one, so their first event finds them
   * aligned rather than building their personas twice (once at the prior's mode, once rebased). The shard is made if
   * absent, as a replay from the last commit would make it: the user's start stays a function of the log.
   */
  newUserTau2(domain: string, partition: number): number {
    return this.shard(domain, partition).tau2;
  }

  /**
   * Install a user loaded from Postgres, or a new one (a user with no events is exactly the aggregate: b_u = 0) under
   * `newUserTau2` (default the prior's mode; see newUserTau2).
   */
  installUser(userId: string, domain: string, stored?: { state: StoredUserState; eventsSeen: number; interactionRows?: number }, newUserTau2 = this.priors.tau2(domain)): UserState {
    // Decoded ids are slices of a whole fetch batch's text; one kept for the user's lifetime would keep the batch alive.
    userId = (' ' + userId).slice(1);
    const user: UserState = {
      userId,
      domain,
      model: stored
        ? this.priors.restoreUserPersonas(
            domain,
            { weights: stored.state.weights, personas: storedPersonas(stored.state.weights, stored.state.personas), eventsSeen: stored.eventsSeen },
            stored.state.tau2,
          )
        : new PersonaMixture(this.priors.personas(domain, newUserTau2)),
      tau2: 0,
      eventsSeen: stored?.eventsSeen ?? 0,
      recentEventIds: stored?.state.recentEventIds ?? [],
      newItemIds: [],
      interactionRows: stored?.interactionRows ?? 0,
      ...(stored?.state.reliability ? { reliability: UserReliabilityState.fromJSON(stored.state.reliability) } : {}),
      conditions: stored?.state.conditions ? ConditionDeviations.fromJSON(stored.state.conditions) : undefined,
      slot: -1,
      writtenIn: -1,
      dirty: false,
      // Always present (undefined when none): every user object keeps one shape on the hot path.
      borrowing: stored?.state.borrowing ? restoreBorrowing(stored.state.borrowing) : undefined,
    };
    // restoreUser gives the fixed τ², or the one the row was learned under; a new user starts under newUserTau2 and is
    // aligned to their partition's τ² at each event (alignUser), like any other.
    user.tau2 = stored ? this.priors.fixedTau2(domain) ?? stored.state.tau2 ?? this.priors.tau2(domain) : newUserTau2;
    let inDomain = this.users.get(domain);
    if (!inDomain) this.users.set(domain, (inDomain = new Map()));
    const existing = inDomain.get(userId);
    if (existing) {
      user.slot = existing.slot;
    } else {
      this.userCount++;
      user.slot = this.freeSlots.pop() ?? this.slots.length;
      if (user.slot >= this.referenced.length) {
        const grown = new Uint8Array(this.referenced.length * 2);
        grown.set(this.referenced);
        this.referenced = grown;
      }
    }
    this.slots[user.slot] = user;
    this.referenced[user.slot] = 1;
    inDomain.set(userId, user);
    return user;
  }

  /** The letters go to the outbox, which also counts them per code (dead_letter_counts), like every service's. */
  recordDeadLetters(letters: DeadLetterV1[]): void {
    this.deadLetters.push(...letters);
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
    const sequence = ++this.sequence;
    // Only what changed is written: a user the snapshot's events did not touch keeps its row as it is.
    const changed = this.changed;
    this.changed = [];
    for (const user of changed) {
      // A user object replaced by installUser since it changed is no longer the resident one: its successor stands.
      if (!user.dirty || this.slots[user.slot] !== user) continue;
      const borrowing = user.borrowing && { ...(user.borrowing.donor ? { donor: user.borrowing.donor } : {}), evidence: user.borrowing.evidence.toJSON() };
      users.push({
        userId: user.userId,
        domain: user.domain,
        state: encodeUserModelState(userModelState(user.model, user.tau2, borrowing, user.reliability?.toJSON(), user.conditions?.toJSON())),
        recentEventKeys: encodeDedupeWindow(user.recentEventIds),
        eventsSeen: user.eventsSeen,
      });
      user.writtenIn = sequence;
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
    const shards: FlushSnapshot['shards'] = [];
    const reliabilityPairs: FlushSnapshot['reliabilityPairs'] = [];
    for (const inDomain of this.shards.values()) {
      for (const shard of inDomain) {
        if (!shard?.dirty) continue;
        shards.push({
          domain: shard.domain,
          partition: shard.partition,
          state: shard.model.toJSONText(),
          evidence: shard.evidence ? JSON.stringify({ ...shard.evidence.toJSON(), tau2: shard.tau2 }) : null,
          itemEvidence: shard.itemEvidence ? JSON.stringify({ ...shard.itemEvidence.toJSON(), variance: shard.itemVariance }) : null,
          donors: shard.donors ? JSON.stringify(shard.donors) : null,
          eventsSeen: shard.eventsSeen,
        });
        shard.dirty = false;
        for (const { key, n, a } of shard.pairs.takeChanged()) {
          const [itemA, itemB] = key.split(PAIR_SEPARATOR) as [string, string];
          reliabilityPairs.push({ domain: shard.domain, partition: shard.partition, itemA, itemB, n, a });
        }
      }
    }
    const offsets: FlushSnapshot['offsets'] = [];
    for (const [partition, to] of this.nextOffset) {
      const from = this.committedOffset.get(partition)!;
      if (to !== from) offsets.push({ partition, from, to });
      this.committedOffset.set(partition, to);
    }
    const snapshot: FlushSnapshot = { users, shards, reliabilityPairs, interactions, compactInteractions, predictions: this.predictions, offsets, counters: this.counters, deadLetters: this.deadLetters, auc: this.auc.take() };
    this.deadLetters = [];
    this.predictions = [];
    this.counters = {};
    this.pendingEvents = 0;
    const evicted = this.evictCold();
    // Counted in the commit that lets them go (learner_counters `evicted_users`).
    if (evicted > 0) snapshot.counters.evicted_users = evicted;
    return snapshot;
  }

  private domainShards(domain: string): ShardState[] {
    let shards = this.shards.get(domain);
    if (!shards) this.shards.set(domain, (shards = []));
    return shards;
  }

  /**
   * Brings residents back to the budget: the clock hand sweeps the slots (two turns at most, so a user spared for its
   * reference bit can go on the second), evicting users neither used since it last passed, nor changed, nor written in
   * the snapshot just taken. The caller takes a snapshot only once the previous commit has landed (one write at a
   * time), so every earlier write is in Postgres, where an evicted user is read back from.
   */
  private evictCold(): number {
    let excess = this.userCount - this.maxResidentUsers;
    let evicted = 0;
    for (let steps = 2 * this.slots.length; excess > 0 && steps > 0; steps--) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % this.slots.length;
      const user = this.slots[slot];
      if (user === undefined || user.dirty || user.writtenIn === this.sequence) continue;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      this.users.get(user.domain)!.delete(user.userId);
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
      this.userCount--;
      evicted++;
      excess--;
    }
    return evicted;
  }
}

/** A stored user's borrowing state; a donor's means get a null prototype (they are looked up by feature name). */
function restoreBorrowing(stored: StoredBorrowing): NonNullable<UserState['borrowing']> {
  const donor = stored.donor && { userId: stored.donor.userId, means: Object.assign(Object.create(null) as Record<string, number>, stored.donor.means) };
  return { ...(donor ? { donor } : {}), evidence: BorrowingEvidence.fromJSON(stored.evidence) };
}
