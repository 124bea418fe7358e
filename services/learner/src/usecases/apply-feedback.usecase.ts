import {
  deadLetterFor,
  parseFeedbackMessage,
  referencedItems,
  type DeadLetterV1,
  type FeedbackEventV1,
  type ValidationIssue,
} from '@chorus/contracts';
import { pairwiseObservation, ratingLabel, updateOnObservation, type FeedbackObservation } from '@chorus/reward';
import { recordText, type ConsumedRecord } from '@chorus/platform';
import type { LearnerStateRepository } from '../persistence/learner-state.repository';
import { eventDedupeKey } from './event-dedupe-key';
import type { ItemCatalogue } from './item-catalogue';
import type { LearnerState, UserState } from './learner-state';

/** What the use case consumes: a Kafka record's offset and raw bytes. */
export type IncomingMessage = ConsumedRecord;

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  /** Messages at offsets already committed to Postgres (a redelivery after a crash or rebalance): skipped. */
  redelivered: number;
  deadLetters: DeadLetterV1[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Applies one partition's batch of feedback to the in-memory models, in offset order. Invalid or unprocessable
 * messages become dead letters and the batch keeps flowing; a repeated eventId within the user's dedupe window is
 * counted and skipped.
 */
export class ApplyFeedbackUseCase {
  constructor(
    private readonly state: LearnerState,
    private readonly catalogue: ItemCatalogue,
    private readonly repository: LearnerStateRepository,
    private readonly options: { topic: string; consumer: string; dedupeWindow: number; logPredictions: boolean },
  ) {}

  async apply(partition: number, messages: IncomingMessage[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { applied: 0, duplicates: 0, redelivered: 0, deadLetters: [] };
    const next = this.state.nextOffset.get(partition)!;
    const valid: { message: IncomingMessage; event: FeedbackEventV1 }[] = [];
    for (const message of messages) {
      if (Number(message.offset) < next) {
        outcome.redelivered++;
        continue;
      }
      const parsed = parseFeedbackMessage(message.value?.toString('utf8'));
      if (parsed.ok) valid.push({ message, event: parsed.value });
      else outcome.deadLetters.push(this.deadLetter(partition, message, 'FEEDBACK.INVALID', 'the message is not a valid chorus.feedback.v1 event', parsed.issues));
    }

    await this.preload(valid.map((v) => v.event));

    for (const { message, event } of valid) {
      const failure = this.applyEvent(partition, event);
      if (failure === 'duplicate') outcome.duplicates++;
      else if (failure) outcome.deadLetters.push(this.deadLetter(partition, message, failure.code, failure.reason));
      else outcome.applied++;
    }

    // Invalid messages are found before processing failures; the DLQ keeps the source order either way.
    outcome.deadLetters.sort((a, b) => Number(a.source.offset) - Number(b.source.offset));
    if (messages.length > 0) {
      const last = Number(messages[messages.length - 1]!.offset) + 1;
      if (last > next) this.state.nextOffset.set(partition, last);
    }
    this.state.pendingEvents += messages.length - outcome.redelivered;
    if (outcome.applied) this.state.count('applied', outcome.applied);
    if (outcome.duplicates) this.state.count('duplicates', outcome.duplicates);
    if (outcome.deadLetters.length) {
      this.state.count('dead_lettered', outcome.deadLetters.length);
      this.state.recordDeadLetters(outcome.deadLetters);
    }
    return outcome;
  }

  /** One query for the batch's unseen users and one for its unseen items, instead of one per event. */
  private async preload(events: FeedbackEventV1[]): Promise<void> {
    const items: string[] = [];
    const users = new Map<string, { userId: string; domain: string }>();
    for (const event of events) {
      for (const itemId of referencedItems(event)) if (!this.catalogue.get(itemId)) items.push(itemId);
      if (!this.state.hasUser(event.userId, event.domain)) users.set(`${event.userId}\u0001${event.domain}`, { userId: event.userId, domain: event.domain });
    }
    const [, stored] = await Promise.all([this.catalogue.preload(items), this.repository.loadUsers([...users.values()])]);
    for (const { userId, domain } of users.values()) {
      this.state.installUser(userId, domain, stored.get(`${userId}\u0001${domain}`));
    }
  }

  private applyEvent(partition: number, event: FeedbackEventV1): { code: string; reason: string } | 'duplicate' | undefined {
    const user = this.state.cachedUser(event.userId, event.domain)!;
    const dedupeKey = eventDedupeKey(event.eventId);
    if (user.recentEventIds.includes(dedupeKey)) return 'duplicate';

    const ids = referencedItems(event);
    let observation: FeedbackObservation | { code: string; reason: string };
    try {
      observation = this.observe(event, ids);
    } catch (error) {
      // The schema admits the event but the model cannot use it (e.g. a degenerate item): refuse it, keep flowing.
      return { code: 'FEEDBACK.UNPROCESSABLE', reason: (error as Error).message };
    }
    if ('code' in observation) return observation;

    const shard = this.state.shard(event.domain, partition);
    const logits = updateOnObservation(shard.model, user.model, observation);
    shard.eventsSeen++;
    shard.dirty = true;
    this.remember(user, dedupeKey);
    for (const itemId of ids) user.newItemIds.push(itemId);
    if (this.options.logPredictions) {
      this.state.recordPrediction({
        eventId: event.eventId,
        domain: event.domain,
        userId: event.userId,
        occurredAt: event.occurredAt,
        label: observation.y,
        weight: observation.weight,
        pAggregate: sigmoid(logits.aggregate),
        pPersonalized: sigmoid(logits.personalized),
      });
    }
    return undefined;
  }

  private observe(event: FeedbackEventV1, ids: string[]): FeedbackObservation | { code: string; reason: string } {
    const items = ids.map((id) => this.catalogue.get(id));
    for (let i = 0; i < ids.length; i++) {
      const item = items[i];
      if (!item) return { code: 'FEEDBACK.UNKNOWN_ITEM', reason: `item "${ids[i]}" is not in the catalogue; PUT /v1/items/${ids[i]} first, then replay this event` };
      if (item.domain !== event.domain) {
        return { code: 'FEEDBACK.DOMAIN_MISMATCH', reason: `item "${ids[i]}" belongs to domain "${item.domain}" but the event says "${event.domain}"` };
      }
    }
    // Binary events reuse the catalogue's precomputed vectors (what binaryObservation would build) instead of
    // allocating two maps per event on the hot path.
    const item = items[0]!;
    switch (event.type) {
      case 'click':
        return { aggregateX: item.aggregateX, userX: item.phi, y: 1, weight: 1 };
      case 'skip':
        return { aggregateX: item.aggregateX, userX: item.phi, y: 0, weight: 1 };
      case 'rating': {
        const { y, weight } = ratingLabel(event.value, event.scale);
        return { aggregateX: item.aggregateX, userX: item.phi, y, weight };
      }
      case 'pairwise':
        return pairwiseObservation(items[0]!.phi, event.chosenId, items[1]!.phi, event.rejectedId, event.tie ?? false);
    }
  }

  private remember(user: UserState, dedupeKey: number): void {
    user.recentEventIds.push(dedupeKey);
    if (user.recentEventIds.length > this.options.dedupeWindow) user.recentEventIds.shift();
    user.eventsSeen++;
    user.dirty = true;
  }

  private deadLetter(partition: number, message: IncomingMessage, code: string, reason: string, issues?: ValidationIssue[]): DeadLetterV1 {
    return deadLetterFor({ topic: this.options.topic, partition, offset: message.offset, consumer: this.options.consumer }, recordText(message), code, reason, issues);
  }

}
