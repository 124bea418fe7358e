import {
  PairCounts,
  type ItemObservation,
  type ItemObservationWeight,
  type ItemSignalReliability,
  ReliabilityModel,
  UserReliabilityState,
  type JudgmentWeight,
  type PairJudgment,
  type PopulationReliability,
  type ReliabilityOptions,
  type SignalReliability,
  type UserReliability,
  type UserReliabilityJSON,
} from './reliability-model';
import { ReliabilityInputError } from './reliability-input.error';

/** Serialised tracker: doubles round-trip exactly through JSON. */
export interface ReliabilityTrackerJSON {
  readonly version: 1;
  readonly users: Record<string, UserReliabilityJSON>;
  /** shard → pair key → [n, a] over the shard's users. */
  readonly population: Record<string, Record<string, readonly [number, number]>>;
}

/**
 * Label reliability in memory, for a whole judgment file: one {@link observe} per pairwise judgment updates the
 * user's state and the population's counts of the user's shard ({@link ReliabilityModel} does the arithmetic) and
 * returns the judgment's weight. `shardOf` puts users in shards as a partitioned consumer does (the learner: Kafka's
 * key partitioner over its partitions); the leave-one-out majority is then over the other users of the same shard, so
 * this tracker gives the weights that consumer gives. One shard (the default) is the whole population.
 */
export class ReliabilityTracker {
  readonly model: ReliabilityModel;
  private readonly users = new Map<string, UserReliabilityState>();
  private readonly shards = new Map<number, PairCounts>();
  private readonly shardOfUser = new Map<string, number>();

  constructor(
    options: Partial<ReliabilityOptions> = {},
    private readonly shardOf: (userId: string) => number = () => 0,
  ) {
    this.model = new ReliabilityModel(options);
  }

  get options(): ReliabilityOptions {
    return this.model.options;
  }

  /**
   * Learns one judgment and returns its weight.
   *
   * @throws ReliabilityInputError on an empty id, chosenId = rejectedId, or a position/order that is not an integer ≥ 0.
   */
  observe(judgment: PairJudgment): JudgmentWeight {
    if (typeof judgment.userId !== 'string' || judgment.userId === '') throw new ReliabilityInputError('judgment: userId must be a non-empty string');
    const user = this.users.get(judgment.userId) ?? new UserReliabilityState();
    const weight = this.model.observe(user, this.population(judgment.userId), judgment);
    this.users.set(judgment.userId, user);
    return weight;
  }

  /**
   * Learns one rating, click or skip of a single item and returns its weight (the item half; no population counts).
   *
   * @throws ReliabilityInputError on an empty id or a position/order that is not an integer ≥ 0.
   */
  observeItem(observation: ItemObservation): ItemObservationWeight {
    const user = this.users.get(observation.userId) ?? new UserReliabilityState();
    const weight = this.model.observeItem(user, observation);
    this.users.set(observation.userId, user);
    return weight;
  }

  /** One (user, item) signal, or undefined when the user never rated, clicked or skipped that item. */
  itemSignal(userId: string, itemId: string): ItemSignalReliability | undefined {
    const user = this.users.get(userId);
    return user === undefined ? undefined : this.model.itemSignal(user, itemId);
  }

  /** A user's reliability report, or undefined for a user never seen. */
  user(userId: string): UserReliability | undefined {
    const user = this.users.get(userId);
    return user === undefined ? undefined : this.model.report(user, this.population(userId));
  }

  /** One (user, pair) signal, or undefined when the user never judged that pair. */
  signal(userId: string, itemA: string, itemB: string): SignalReliability | undefined {
    const user = this.users.get(userId);
    return user === undefined ? undefined : this.model.signal(user, itemA, itemB);
  }

  /** Ids of every user seen. */
  userIds(): IterableIterator<string> {
    return this.users.keys();
  }

  /** Population figures over every user and signal (O(signals)). */
  summary(): PopulationReliability {
    const classCounts = { genuine: 0, 'non-attitude': 0, constructed: 0, unknown: 0 };
    let judgments = 0;
    let signals = 0;
    let first = 0;
    let second = 0;
    let usersWithPositionBias = 0;
    for (const user of this.users.values()) {
      judgments += user.judgments;
      signals += user.signals.size;
      first += user.chosenFirst;
      second += user.chosenSecond;
      if (this.model.positionBias(user).detected) usersWithPositionBias++;
      for (const label of this.model.labels(user)) classCounts[label]++;
    }
    return { users: this.users.size, judgments, signals, classCounts, firstShownShare: first + second === 0 ? 0.5 : first / (first + second), usersWithPositionBias };
  }

  toJSON(): ReliabilityTrackerJSON {
    // Null-prototype records: ids are untrusted strings, and "__proto__" must stay an ordinary key.
    const users: Record<string, UserReliabilityJSON> = Object.create(null);
    for (const [userId, user] of this.users) users[userId] = user.toJSON();
    const population: Record<string, Record<string, readonly [number, number]>> = Object.create(null);
    for (const [shard, counts] of this.shards) {
      const pairs: Record<string, readonly [number, number]> = (population[shard] = Object.create(null));
      for (const [key, { n, a }] of counts.entries()) pairs[key] = [n, a];
    }
    return { version: 1, users, population };
  }

  /**
   * Restores a tracker from {@link toJSON}'s output (with the `shardOf` it was made with). Trusts its shape (the caller
   * validates untrusted input with its schema) but checks the one invariant a wrong file would break: each shard's
   * counts equal the sums of its users' judgments.
   *
   * @throws ReliabilityInputError when the version is not 1 or the counts disagree.
   */
  static fromJSON(json: ReliabilityTrackerJSON, options: Partial<ReliabilityOptions> = {}, shardOf?: (userId: string) => number): ReliabilityTracker {
    if (json.version !== 1) throw new ReliabilityInputError(`reliability state has version ${String(json.version)}; this build reads version 1`);
    const tracker = new ReliabilityTracker(options, shardOf);
    const sums = new Map<number, Map<string, { n: number; a: number }>>();
    for (const userId of Object.keys(json.users)) {
      const user = UserReliabilityState.fromJSON(json.users[userId]!, tracker.options.epsilon);
      tracker.users.set(userId, user);
      const shard = tracker.shardFor(userId);
      if (!sums.has(shard)) sums.set(shard, new Map());
      for (const key of user.pairKeys()) {
        const own = user.pairCounts(key)!;
        const sum = sums.get(shard)!.get(key) ?? { n: 0, a: 0 };
        sums.get(shard)!.set(key, { n: sum.n + own.n, a: sum.a + own.a });
      }
    }
    for (const shardKey of Object.keys(json.population)) {
      const shard = Number(shardKey);
      const pairs = json.population[shardKey]!;
      const counts = tracker.population(undefined, shard);
      for (const key of Object.keys(pairs)) {
        const [n, a] = pairs[key]!;
        const sum = sums.get(shard)?.get(key);
        if (sum === undefined || sum.n !== n || Math.abs(sum.a - a) > 1e-9) {
          throw new ReliabilityInputError(`reliability state: the population counts of pair ${JSON.stringify(key.split('\u0001'))} are [${n}, ${a}] but its users' judgments sum to [${sum?.n ?? 0}, ${sum?.a ?? 0}]; the state is corrupt`);
        }
        counts.set(key, n, a);
      }
    }
    for (const [shard, pairs] of sums) {
      if (pairs.size !== (tracker.shards.get(shard)?.size ?? 0)) throw new ReliabilityInputError('reliability state: a pair the users judged has no population counts; the state is corrupt');
    }
    return tracker;
  }

  private shardFor(userId: string): number {
    let shard = this.shardOfUser.get(userId);
    if (shard === undefined) this.shardOfUser.set(userId, (shard = this.shardOf(userId)));
    return shard;
  }

  private population(userId: string | undefined, shard = this.shardFor(userId!)): PairCounts {
    let counts = this.shards.get(shard);
    if (counts === undefined) this.shards.set(shard, (counts = new PairCounts()));
    return counts;
  }
}
