import { FEEDBACK_BATCH_LIMIT, fastParseFeedbackEvent, feedbackEventV1, parseWith, type FeedbackEventV1, type ValidationIssue } from '@chorus/contracts';
import { DomainError, emitEvent, withDeadline } from '@chorus/platform';
import type { EventProducer } from './ports';

/**
 * POST /v1/feedback: one event, or `{ events: [...] }`. All-or-nothing: if any event is invalid nothing is produced
 * and every offending field of every event is named, so a client fixes the batch in one round trip.
 */
export class IngestFeedbackUseCase {
  constructor(
    private readonly producer: EventProducer,
    /** Answer 503 if the broker has not acknowledged (acks=all) within this long. */
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * 202 only once the broker acknowledged every event with acks=all (the producer client's). A failure or the deadline is
   * a 503: the request may or may not have been written, and the client resends it with the same eventIds.
   */
  async ingest(body: unknown): Promise<{ accepted: number; eventIds: string[] }> {
    const events = this.validate(body);
    try {
      await withDeadline(
        // Keyed by user: one user's events stay ordered in one partition, which the learner's per-user model needs.
        emitEvent(this.producer, 'feedback', events.map((event) => ({ key: event.userId, value: JSON.stringify(event) }))),
        this.timeoutMs,
        () => new Error(`no acknowledgement from the broker within ${this.timeoutMs} ms`),
      );
    } catch (error) {
      throw new DomainError('KAFKA.UNAVAILABLE', `could not write to Kafka (${(error as Error).message}); resend the same request with the same eventIds (a repeated eventId is applied once)`);
    }
    return { accepted: events.length, eventIds: events.map((e) => e.eventId) };
  }

  private validate(body: unknown): FeedbackEventV1[] {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new DomainError('REQUEST.INVALID', 'body must be one feedback event object or { "events": [ ... ] }');
    }
    const isBatch = 'events' in body;
    const raw = isBatch ? (body as { events: unknown }).events : [body];
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new DomainError('REQUEST.INVALID', '"events" must be a non-empty array of feedback events', [{ path: 'events', message: 'expected a non-empty array' }]);
    }
    if (raw.length > FEEDBACK_BATCH_LIMIT) {
      throw new DomainError('REQUEST.TOO_LARGE', `a batch holds at most ${FEEDBACK_BATCH_LIMIT} events and this one has ${raw.length}; split it into several requests`, [
        { path: 'events', message: `at most ${FEEDBACK_BATCH_LIMIT} events` },
      ]);
    }
    const events: FeedbackEventV1[] = [];
    const issues: ValidationIssue[] = [];
    raw.forEach((item, index) => {
      // The consumers' fast path first: it returns exactly what the schema would and never accepts what the schema
      // refuses (property-tested against it), at a fraction of zod's cost per event (bench:gateway). Whatever it is
      // not sure of goes through the schema, which also names what is wrong.
      const fast = fastParseFeedbackEvent(item);
      if (fast) {
        events.push(fast);
        return;
      }
      const parsed = parseWith(feedbackEventV1, item, isBatch ? `events[${index}]` : '');
      if (parsed.ok) events.push(parsed.value);
      else issues.push(...parsed.issues);
    });
    if (issues.length > 0) {
      throw new DomainError('REQUEST.INVALID', `${issues.length} invalid field(s); nothing was accepted. Fix them and resend the whole request`, issues);
    }
    return events;
  }
}
