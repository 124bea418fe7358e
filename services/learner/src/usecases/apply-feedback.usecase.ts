import {
  deadLetterFor,
  decodeFeedbackEvent,
  parseFeedbackMessage,
  type DeadLetterV1,
  type FeedbackEventV1,
  type ValidationIssue,
} from '@chorus/contracts';
import {
  ConditionDeviations,
  DEFAULT_CONDITION_DEVIATION_OPTIONS,
  NonFiniteUpdateError,
  PreparedUpdate,
  pairwiseObservationOf,
  ratingLabel,
  rebasedInterceptLogits,
  rebasedMixtureLogits,
  updateOnObservationWithPersonas,
  type DiagonalGaussianLogistic,
  type FeedbackObservation,
} from '@chorus/reward';
import { recordText, type ConsumedRecord } from '@chorus/platform';
import type { BatchView } from '../workers/apply-worker.protocol';
import { borrowAfterEvent } from './cold-start-borrowing';
import { eventDedupeKey } from './event-dedupe-key';
import type { CatalogueItem, ItemCatalogue } from './item-catalogue';
import type { LearnerState, StoredUsers, UserState } from './learner-state';
import type { WeighByReliability } from './weigh-by-reliability';

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  /** Messages at offsets already committed to Postgres (a redelivery after a crash or rebalance): skipped. */
  redelivered: number;
  deadLetters: DeadLetterV1[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Scratch plan of a framing's deviation (the apply loop is synchronous per event). */
const conditionPlan = new PreparedUpdate();

/**
 * Events decoded ahead of applying them. Small enough that decoded events die young (a whole fetch batch held across
 * the preload query would outlive several scavenges and be copied into the old generation), large enough that a
 * batch of new users costs a handful of queries, not one per event.
 */
const CHUNK = 1024;

/**
 * Applies one partition's batch of feedback to the in-memory models, in offset order. Invalid or unprocessable
 * messages become dead letters and the batch keeps flowing; a repeated eventId within the user's dedupe window is
 * counted and skipped.
 *
 * This is the learner's hot loop (every event passes here once), so it works on the batch's bytes in place and
 * allocates nothing per event beyond the decoded event itself.
 */
export class ApplyFeedbackUseCase {
  constructor(
    private readonly state: LearnerState,
    private readonly catalogue: ItemCatalogue,
    private readonly repository: StoredUsers,
    private readonly options: { topic: string; consumer: string; dedupeWindow: number; logPredictions: boolean },
    private readonly reliability: WeighByReliability,
  ) {}

  async apply(partition: number, batch: BatchView): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { applied: 0, duplicates: 0, redelivered: 0, deadLetters: [] };
    const next = this.state.nextOffset.get(partition)!;
    for (let from = 0; from < batch.length; from += CHUNK) {
      await this.applyChunk(partition, batch, from, Math.min(batch.length, from + CHUNK), next, outcome);
    }

    // Invalid messages are found before processing failures; the DLQ keeps the source order either way.
    outcome.deadLetters.sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
    if (batch.length > 0) {
      const last = batch.offset(batch.length - 1) + 1;
      if (last > next) this.state.nextOffset.set(partition, last);
    }
    this.state.pendingEvents += batch.length - outcome.redelivered;
    if (outcome.applied) this.state.count('applied', outcome.applied);
    if (outcome.duplicates) this.state.count('duplicates', outcome.duplicates);
    if (outcome.deadLetters.length) {
      this.state.count('dead_lettered', outcome.deadLetters.length);
      this.state.recordDeadLetters(outcome.deadLetters);
    }
    return outcome;
  }

  /** Decode a chunk, load what it needs that is not in memory (one query each, not one per event), apply it in order. */
  private async applyChunk(partition: number, batch: BatchView, from: number, to: number, next: number, outcome: BatchOutcome): Promise<void> {
    const events: FeedbackEventV1[] = [];
    const indexes: number[] = [];
    const unseenItems = new Set<string>();
    const unseenUsers = new Map<string, { userId: string; domain: string }>();
    for (let i = from; i < to; i++) {
      if (batch.offset(i) < next) {
        outcome.redelivered++;
        continue;
      }
      const event = this.decode(partition, batch, i, outcome);
      if (!event) continue;
      events.push(event);
      indexes.push(i);
      if (event.type === 'pairwise') {
        if (!this.catalogue.get(event.chosenId)) unseenItems.add(event.chosenId);
        if (!this.catalogue.get(event.rejectedId)) unseenItems.add(event.rejectedId);
      } else if (!this.catalogue.get(event.itemId)) {
        unseenItems.add(event.itemId);
      }
      if (!this.state.hasUser(event.userId, event.domain)) unseenUsers.set(`${event.userId}\u0001${event.domain}`, { userId: event.userId, domain: event.domain });
    }
    await this.preload(partition, unseenItems, unseenUsers, itemsNamed(events));
    for (let k = 0; k < events.length; k++) {
      const failure = this.applyEvent(partition, events[k]!);
      if (failure === 'duplicate') outcome.duplicates++;
      else if (failure) outcome.deadLetters.push(this.deadLetter(partition, batch.record(indexes[k]!), failure.code, failure.reason));
      else outcome.applied++;
    }
  }

  /**
   * The common shape straight from the batch's bytes; anything else through the schema, which explains refusals. Any
   * exception here is this message's doing (decoding reads nothing else), so it is a refusal too, never a crash.
   */
  private decode(partition: number, batch: BatchView, i: number, outcome: BatchOutcome): FeedbackEventV1 | undefined {
    try {
      if (batch.hasValue(i)) {
        const fast = decodeFeedbackEvent(batch.text, batch.valueStartOf(i), batch.valueEndOf(i));
        if (fast) return fast;
      }
      const parsed = parseFeedbackMessage(batch.utf8Value(i));
      if (parsed.ok) return parsed.value;
      outcome.deadLetters.push(this.deadLetter(partition, batch.record(i), 'FEEDBACK.INVALID', 'the message is not a valid chorus.feedback.v1 event', parsed.issues));
    } catch (error) {
      outcome.deadLetters.push(this.deadLetter(partition, batch.record(i), 'FEEDBACK.INVALID', `the message could not be decoded as a chorus.feedback.v1 event: ${(error as Error).message}`));
    }
    return undefined;
  }

  /**
   * Commit message i as a dead letter without applying it (its offset passes with the next snapshot): what the
   * learner does with a message whose commit Postgres refused, once it is isolated (see the apply worker).
   */
  refuse(partition: number, batch: BatchView, i: number, code: string, reason: string): void {
    const letter = this.deadLetter(partition, batch.record(i), code, reason);
    const next = batch.offset(i) + 1;
    if (next > this.state.nextOffset.get(partition)!) this.state.nextOffset.set(partition, next);
    this.state.pendingEvents++;
    this.state.count('dead_lettered');
    this.state.recordDeadLetters([letter]);
  }

  private async preload(partition: number, items: Set<string>, users: Map<string, { userId: string; domain: string }>, inUse: Iterable<string>): Promise<void> {
    if (items.size === 0 && users.size === 0) return;
    const [, stored] = await Promise.all([this.catalogue.preload(items, inUse), this.repository.loadUsers([...users.values()])]);
    for (const [key, { userId, domain }] of users) this.state.installUser(userId, domain, stored.get(key), this.state.newUserTau2(domain, partition));
  }

  private applyEvent(partition: number, event: FeedbackEventV1): { code: string; reason: string } | 'duplicate' | undefined {
    const user = this.state.cachedUser(event.userId, event.domain)!;
    const dedupeKey = eventDedupeKey(event.eventId);
    if (user.recentEventIds.includes(dedupeKey)) return 'duplicate';

    let observation: FeedbackObservation | { code: string; reason: string };
    try {
      observation = this.observe(event);
    } catch (error) {
      // The schema admits the event but the model cannot use it (e.g. a degenerate item): refuse it, keep flowing.
      return { code: 'FEEDBACK.UNPROCESSABLE', reason: (error as Error).message };
    }
    if ('code' in observation) return observation;

    const shard = this.state.shard(event.domain, partition);
    this.state.alignUser(user, shard);
    const weights = this.reliability.weigh(user, shard, event, observation.weight, observation.y);
    let logits;
    try {
      // Learned τ²: the event scored under every candidate τ² before anything learns it, recorded once it is applied.
      const candidates = shard.evidence ? this.candidateLogits(shard.evidence.grid, shard.model, user, observation) : undefined;
      // Learned σ²_c: the aggregate's own prediction under every candidate before it learns the event, recorded once
      // the event is applied (rebasedInterceptLogits has its own scratch: the τ² candidates above stay valid). Each
      // evidence is weighed as its model learns the event (reliability weights may differ between the two).
      const itemCandidates = shard.itemEvidence ? interceptLogits(shard.itemEvidence.grid, shard.model, shard.itemVariance, observation) : undefined;
      // The framing's deviation (issue #15) learns around the personalized score from before the personas learned the
      // event (prequential, as the personas learn around the aggregate's), which is known only once they have. So it is
      // prepared first at offset 0 — whether a step is finite does not depend on the offset — and a refusal leaves
      // every model as it was; then prepared at the real offset and written.
      const condition = weights.condition;
      const conditions = condition === undefined ? undefined : (user.conditions ?? new ConditionDeviations({ priorVariance: weights.conditionPriorVariance, maxConditions: DEFAULT_CONDITION_DEVIATION_OPTIONS.maxConditions }));
      const learns = conditions !== undefined && weights.withinCondition > 0 && conditions.prepareUpdate(condition!, observation.userX, observation.y, weights.withinCondition, 0, conditionPlan) !== undefined;
      logits = updateOnObservationWithPersonas(shard.model, user.model, observation, weights.aggregate, weights.personalized);
      if (conditions) {
        if (learns) {
          conditions.prepareUpdate(condition!, observation.userX, observation.y, weights.withinCondition, logits.personalized, conditionPlan);
          conditions.commitUpdate(conditionPlan);
        }
        conditions.recordSplit(weights.generalised);
        user.conditions = conditions;
      }
      if (candidates) shard.evidence!.recordAll(candidates, observation.y, weights.personalized);
      if (itemCandidates) shard.itemEvidence!.recordAll(itemCandidates, observation.y, weights.aggregate);
    } catch (error) {
      // Refused before either model changed (the update is all or nothing): dead-letter it, keep flowing.
      const code = error instanceof NonFiniteUpdateError ? 'FEEDBACK.NON_FINITE_UPDATE' : 'FEEDBACK.UNPROCESSABLE';
      return { code, reason: `the model refused the event: ${(error as Error).message}` };
    }
    this.state.applied(shard);
    // The console's prequential AUC weighs each event as the prediction log does: by the weight the aggregate learned it
    // with (its label weight × its reliability weight), so the overview and the logged predictions agree.
    this.state.auc.record(event.domain, partition, event.occurredAt, observation.y, weights.aggregate, logits);
    this.remember(user, dedupeKey);
    borrowAfterEvent(user, shard, observation, logits.aggregate);
    if (event.type === 'pairwise') user.newItemIds.push(event.chosenId, event.rejectedId);
    else user.newItemIds.push(event.itemId);
    if (this.options.logPredictions) {
      this.state.recordPrediction({
        eventId: event.eventId,
        domain: event.domain,
        userId: event.userId,
        occurredAt: event.occurredAt,
        label: observation.y,
        weight: weights.aggregate,
        pAggregate: sigmoid(logits.aggregate),
        pPersonalized: sigmoid(logits.personalized),
      });
    }
    return undefined;
  }

  /**
   * The event's scores under every candidate τ², or undefined when they are not finite (features so large the score
   * variance overflows): the model then refuses the event with its own reason, and should it not, the event adds no
   * evidence rather than being refused for the estimator's sake.
   */
  private candidateLogits(grid: readonly number[], aggregate: DiagonalGaussianLogistic, user: UserState, observation: FeedbackObservation): Float64Array | undefined {
    try {
      return rebasedMixtureLogits(grid, user.model, user.tau2, observation.userX, aggregate.logit(observation.aggregateX), aggregate.predictiveVariance(observation.aggregateX));
    } catch {
      return undefined;
    }
  }

  private observe(event: FeedbackEventV1): FeedbackObservation | { code: string; reason: string } {
    if (event.type === 'pairwise') {
      const chosen = this.catalogueItem(event.chosenId, event.domain);
      if ('code' in chosen) return chosen;
      const rejected = this.catalogueItem(event.rejectedId, event.domain);
      if ('code' in rejected) return rejected;
      return pairwiseObservationOf(event.chosenId, chosen, event.rejectedId, rejected, event.tie ?? false);
    }
    const item = this.catalogueItem(event.itemId, event.domain);
    if ('code' in item) return item;
    // Binary events reuse the catalogue's precomputed vectors (what binaryObservation would build) instead of
    // allocating two maps per event on the hot path.
    switch (event.type) {
      case 'click':
        return { aggregateX: item.aggregateX, userX: item.phi, y: 1, weight: 1 };
      case 'skip':
        return { aggregateX: item.aggregateX, userX: item.phi, y: 0, weight: 1 };
      case 'rating': {
        const { y, weight } = ratingLabel(event.value, event.scale);
        return { aggregateX: item.aggregateX, userX: item.phi, y, weight };
      }
      default:
        // Unreachable for a decoded event; a decoder bug must still refuse one message, not stop the learner.
        return { code: 'FEEDBACK.INVALID', reason: `unknown event type "${String((event as { type: unknown }).type)}"` };
    }
  }

  private catalogueItem(itemId: string, domain: string): CatalogueItem | { code: string; reason: string } {
    const item = this.catalogue.get(itemId);
    if (!item) return { code: 'FEEDBACK.UNKNOWN_ITEM', reason: `item "${itemId}" is not in the catalogue; PUT /v1/items/${itemId} first, then replay this event` };
    if (item.domain !== domain) return { code: 'FEEDBACK.DOMAIN_MISMATCH', reason: `item "${itemId}" belongs to domain "${item.domain}" but the event says "${domain}"` };
    return item;
  }

  private remember(user: UserState, dedupeKey: number): void {
    user.recentEventIds.push(dedupeKey);
    if (user.recentEventIds.length > this.options.dedupeWindow) user.recentEventIds.shift();
    user.eventsSeen++;
    this.state.markChanged(user);
  }

  private deadLetter(partition: number, message: ConsumedRecord, code: string, reason: string, issues?: ValidationIssue[]): DeadLetterV1 {
    return deadLetterFor({ topic: this.options.topic, partition, offset: message.offset, consumer: this.options.consumer }, recordText(message), code, reason, issues);
  }

}

/** The event's aggregate scores under every candidate σ²_c, or undefined when not finite (as candidateLogits). */
function interceptLogits(grid: readonly number[], aggregate: DiagonalGaussianLogistic, itemVariance: number, observation: FeedbackObservation): Float64Array | undefined {
  try {
    return rebasedInterceptLogits(grid, aggregate, itemVariance, observation.aggregateX);
  } catch {
    return undefined;
  }
}

/** The items the events name, computed only if iterated. */
function* itemsNamed(events: readonly FeedbackEventV1[]): Iterable<string> {
  for (const event of events) {
    if (event.type === 'pairwise') {
      yield event.chosenId;
      yield event.rejectedId;
    } else {
      yield event.itemId;
    }
  }
}
