import {
  deadLetterFor,
  exposureV1,
  feedbackEventV1,
  normaliseCategories,
  parseJsonWith,
  type DeadLetterV1,
  type ExposureV1,
  type FeedbackEventV1,
  type Parsed as ParsedMessage,
  type ValidationIssue,
} from '@chorus/contracts';
import { recordText, type ConsumedRecord } from '@chorus/platform';
import type { CatalogueRepository } from '../persistence/catalogue.repository';
import type { DriftStateRepository } from '../persistence/drift-state.repository';
import type { UserModelRepository } from '../persistence/user-model.repository';
import type { DriftEngine, MessageSource } from '../engine/drift-engine';
import type { DriftState } from '../engine/drift-state';
import { CategoryVocabulary, type ItemCatalogue } from '../engine/item-catalogue';
import { PartitionMerge, type InputTopic, type MergeEntry } from '../engine/partition-merge';

/** What the use case consumes: a Kafka record's offset and raw bytes. */
export type IncomingMessage = ConsumedRecord;

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  /** Messages at offsets already committed to Postgres (a redelivery after a crash or rebalance): skipped. */
  redelivered: number;
  deadLetters: DeadLetterV1[];
}

/** The stores the use case reads (CatalogueRepository, DriftStateRepository, UserModelRepository in production). */
export interface ObserveEventsStores {
  catalogue: Pick<CatalogueRepository, 'findMany' | 'vocabulary'>;
  state: Pick<DriftStateRepository, 'loadUsers'>;
  models: Pick<UserModelRepository, 'deviations'>;
}

type Parsed = { message: IncomingMessage } & ({ feedback: FeedbackEventV1 } | { exposure: ExposureV1 });

const emptyOutcome = (): BatchOutcome => ({ applied: 0, duplicates: 0, redelivered: 0, deadLetters: [] });

/**
 * Applies a partition's feedback and exposures to drift-watch's state: parses and validates each message (invalid ones
 * become dead letters with the reason; the partition keeps flowing), merges the two topics into event-time order
 * (PartitionMerge), loads what the released messages need from Postgres in a few queries (unseen items, users, domain
 * vocabularies, due b_u readings), then runs the engine. Offsets advance only past released messages.
 */
export class ObserveEventsUseCase {
  private readonly merges = new Map<number, PartitionMerge<Parsed>>();
  /**
   * Gated users whose b_u the learner had not committed when asked, with the event the reading belongs to. Asked again
   * every modelRetryMs (see retryAwaitingModels), so a user whose stream stops right after the gate still gets one.
   */
  private readonly awaitingModel = new Map<string, { userId: string; domain: string; atMs: number; source: MessageSource; askedAt: number }>();

  constructor(
    private readonly state: DriftState,
    private readonly engine: DriftEngine,
    private readonly catalogue: ItemCatalogue,
    private readonly repositories: ObserveEventsStores,
    private readonly options: {
      topics: { feedback: string; exposures: string };
      consumer: string;
      minEvents: number;
      modelRefreshEvents: number;
      /** How long after a gated user's b_u was found missing it is asked for again, events or not. */
      modelRetryMs: number;
      /** τ² of a user's deviation: the fixed one, else the one it was learned under (`learnedUnder`), else the default. */
      tau: (domain: string, learnedUnder?: number) => number;
      merge: { idleMs: number; maxHoldMs: number };
      now?: () => number;
    },
  ) {}

  /** Forget what waits (after a rebalance the partitions are reloaded from Postgres and redelivered from there). */
  clear(): void {
    this.merges.clear();
    this.awaitingModel.clear();
  }

  /** Gated users waiting for the learner's first commit of their model. */
  get awaitingModels(): number {
    return this.awaitingModel.size;
  }

  /** Ask again (one query) for the b_u of users whose model was missing at least modelRetryMs ago. */
  async retryAwaitingModels(): Promise<void> {
    const now = this.now();
    const due = [];
    for (const [key, entry] of this.awaitingModel) {
      // Evicted from memory since: its next event asks anew.
      if (!this.state.hasUser(entry.userId, entry.domain)) this.awaitingModel.delete(key);
      else if (now - entry.askedAt >= this.options.modelRetryMs) due.push(entry);
    }
    for (const entry of await this.readDivergence(due)) entry.askedAt = now;
  }

  /** Messages received but not yet applied (waiting for the other topic). */
  get waiting(): number {
    let n = 0;
    for (const merge of this.merges.values()) n += merge.waiting;
    return n;
  }

  async apply(topic: InputTopic, partition: number, messages: IncomingMessage[]): Promise<BatchOutcome> {
    const topicName = this.options.topics[topic];
    const outcome = emptyOutcome();
    const next = this.state.next(topicName, partition);
    const entries: MergeEntry<Parsed>[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < next) {
        outcome.redelivered++;
        continue;
      }
      const parsed = this.parse(topic, message);
      if (parsed.ok) {
        const payload: Parsed = 'occurredAt' in parsed.value ? { message, feedback: parsed.value } : { message, exposure: parsed.value };
        entries.push({ topic, offset, at: Date.parse('feedback' in payload ? payload.feedback.occurredAt : payload.exposure.servedAt), payload });
      } else {
        const [code, reason] =
          topic === 'feedback'
            ? ['DRIFT.INVALID_FEEDBACK', 'the message is not a valid chorus.feedback.v1 event']
            : ['DRIFT.INVALID_EXPOSURE', 'the message is not a valid chorus.exposures.v1 list'];
        outcome.deadLetters.push(this.deadLetter(topicName, partition, message, code, reason, parsed.issues));
        // It still holds its place: offsets are committed past it only in order.
        entries.push({ topic, offset, at: null, payload: undefined });
      }
    }
    const merge = this.merge(partition);
    const now = this.now();
    merge.push(topic, entries, now);
    await this.applyReleased(partition, merge.release(now), outcome);
    return outcome;
  }

  /** The message validated against its topic's schema; any exception doing so is the message's, so it is a refusal. */
  private parse(topic: InputTopic, message: IncomingMessage): ParsedMessage<FeedbackEventV1> | ParsedMessage<ExposureV1> {
    try {
      const text = message.value?.toString('utf8');
      return topic === 'feedback' ? parseJsonWith(feedbackEventV1, text) : parseJsonWith(exposureV1, text);
    } catch (error) {
      return { ok: false, issues: [{ path: '', message: `the message could not be decoded: ${(error as Error).message}` }] };
    }
  }

  /** Applies what the merge lets go now that time has passed (a silent topic is no longer waited for). */
  async releaseIdle(force = false): Promise<BatchOutcome> {
    const outcome = emptyOutcome();
    for (const [partition, merge] of this.merges) {
      if (merge.waiting > 0) await this.applyReleased(partition, merge.release(this.now(), force), outcome);
    }
    return outcome;
  }

  private merge(partition: number): PartitionMerge<Parsed> {
    let merge = this.merges.get(partition);
    if (!merge) {
      merge = new PartitionMerge<Parsed>(this.now(), this.options.merge);
      this.merges.set(partition, merge);
    }
    return merge;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private async applyReleased(partition: number, released: MergeEntry<Parsed>[], outcome: BatchOutcome): Promise<void> {
    const merge = this.merge(partition);
    this.state.pendingMessages += released.length;
    const valid = released.filter((e): e is MergeEntry<Parsed> & { payload: Parsed } => e.payload !== undefined);
    await this.preload(valid.map((e) => e.payload));

    const touched = new Map<string, { userId: string; domain: string; atMs: number; source: MessageSource }>();
    for (const entry of valid) {
      const source: MessageSource = { topic: entry.topic, partition, offset: String(entry.offset) };
      const payload = entry.payload;
      let result;
      try {
        result = 'feedback' in payload ? this.engine.applyFeedback(payload.feedback, source) : this.engine.applyExposure(payload.exposure, source);
      } catch (error) {
        // The schema admits the message but a metric refuses it: dead-letter it and keep flowing.
        result = { code: 'DRIFT.UNPROCESSABLE', reason: (error as Error).message };
      }
      if (result === 'duplicate') outcome.duplicates++;
      else if (result !== 'applied') outcome.deadLetters.push(this.deadLetter(this.options.topics[entry.topic], partition, payload.message, result.code, result.reason));
      else {
        outcome.applied++;
        const { userId, domain } = 'feedback' in payload ? payload.feedback : payload.exposure;
        touched.set(`${userId}\u0001${domain}`, { userId, domain, atMs: entry.at!, source });
      }
    }
    await this.refreshDivergence([...touched.values()]);
    outcome.deadLetters.sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
    for (const topic of ['feedback', 'exposures'] as const) {
      const next = merge.nextOffset(topic);
      if (next !== undefined) this.state.advance(this.options.topics[topic], partition, next);
    }
  }

  /** One query each for the batch's unseen items and users, and one per domain whose vocabulary is missing or stale. */
  private async preload(valid: Parsed[]): Promise<void> {
    if (valid.length === 0) return;
    const itemIds: string[] = [];
    const users = new Map<string, { userId: string; domain: string }>();
    for (const entry of valid) {
      if ('feedback' in entry) {
        const e = entry.feedback;
        itemIds.push(...(e.type === 'pairwise' ? [e.chosenId, e.rejectedId] : [e.itemId]));
        users.set(`${e.userId}\u0001${e.domain}`, { userId: e.userId, domain: e.domain });
      } else {
        itemIds.push(...entry.exposure.items.map((i) => i.itemId));
        users.set(`${entry.exposure.userId}\u0001${entry.exposure.domain}`, { userId: entry.exposure.userId, domain: entry.exposure.domain });
      }
    }
    const unseenUsers = [...users.values()].filter((u) => !this.state.hasUser(u.userId, u.domain));
    const [items, stored] = await Promise.all([
      this.repositories.catalogue.findMany(this.catalogue.missing(itemIds)),
      this.repositories.state.loadUsers(unseenUsers),
    ]);
    this.catalogue.install(
      items.map((item) => ({ ...item, categories: normaliseCategories(item.categories) })),
      itemIds,
    );
    for (const { userId, domain } of unseenUsers) this.state.installUser(userId, domain, stored.get(`${userId}\u0001${domain}`));

    // Every category of every item the batch names must have an index in its domain's vocabulary.
    const needed = new Map<string, Set<string>>();
    for (const id of new Set(itemIds)) {
      const item = this.catalogue.get(id);
      if (!item) continue;
      const vocabulary = this.catalogue.vocabularies.get(item.domain);
      const fresh = Object.keys(item.categories).filter((c) => !vocabulary?.has(c));
      if (!vocabulary || vocabulary.itemCount < 0 || fresh.length > 0) {
        const set = needed.get(item.domain) ?? new Set<string>();
        for (const c of fresh) set.add(c);
        needed.set(item.domain, set);
      }
    }
    for (const [domain, extra] of needed) {
      const { categories, itemCount } = await this.repositories.catalogue.vocabulary(domain, [...extra]);
      this.catalogue.vocabularies.set(domain, new CategoryVocabulary(domain, categories, itemCount));
    }
  }

  /** Gated users whose b_u reading is DRIFT_MODEL_REFRESH_EVENTS events old get a fresh one (one query per batch). */
  private async refreshDivergence(touched: { userId: string; domain: string; atMs: number; source: MessageSource }[]): Promise<void> {
    const due = touched.filter(({ userId, domain }) => {
      const user = this.state.user(userId, domain);
      return user.events >= this.options.minEvents && user.events - Math.max(user.divergenceAt, user.divergenceAskedAt) >= this.options.modelRefreshEvents;
    });
    for (const { userId, domain, atMs, source } of await this.readDivergence(due)) {
      // The learner has not committed this user yet: ask again after the next refresh interval of events, or after
      // modelRetryMs if none come.
      const user = this.state.user(userId, domain);
      user.divergenceAskedAt = user.events;
      this.awaitingModel.set(`${userId}\u0001${domain}`, { userId, domain, atMs, source, askedAt: this.now() });
    }
  }

  /** Read these users' b_u (one query) and observe each; returns those the learner has not committed yet. */
  private async readDivergence<T extends { userId: string; domain: string; atMs: number; source: MessageSource }>(users: T[]): Promise<T[]> {
    if (users.length === 0) return [];
    const deviations = await this.repositories.models.deviations(users);
    const missing: T[] = [];
    for (const user of users) {
      const key = `${user.userId}\u0001${user.domain}`;
      const deviation = deviations.get(key);
      if (deviation === undefined) {
        missing.push(user);
        continue;
      }
      this.awaitingModel.delete(key);
      this.engine.applyDivergence(user.userId, user.domain, deviation.means, Math.sqrt(this.options.tau(user.domain, deviation.tau2)), user.atMs, user.source);
    }
    return missing;
  }

  /** The dead letter of a message refused outside the use case (a value Postgres cannot store, found by isolation). */
  deadLetterOf(topic: string, partition: number, message: IncomingMessage, code: string, reason: string): DeadLetterV1 {
    return this.deadLetter(topic, partition, message, code, reason);
  }

  private deadLetter(topic: string, partition: number, message: IncomingMessage, code: string, reason: string, issues?: ValidationIssue[]): DeadLetterV1 {
    return deadLetterFor({ topic, partition, offset: message.offset, consumer: this.options.consumer }, recordText(message), code, reason, issues);
  }

}
