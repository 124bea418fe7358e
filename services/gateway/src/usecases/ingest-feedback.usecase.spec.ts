import { feedbackEventV1 } from '@chorus/contracts';
import { describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { RecordingProducer } from '../testing/in-memory-ports';
import { IngestFeedbackUseCase } from './ingest-feedback.usecase';

const CLICK = { eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000001', type: 'click', userId: 'u-1', itemId: 'i-1', domain: 'news', occurredAt: '2026-01-01T00:00:00.000Z' };
const RATING = { eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000002', type: 'rating', userId: 'u-2', itemId: 'i-2', domain: 'news', occurredAt: '2026-01-01T00:00:01.000Z', value: 4 };

describe('IngestFeedbackUseCase', () => {
  it('emits one event to the feedback topic, keyed by user, and answers its id', async () => {
    const producer = new RecordingProducer();
    const answer = await new IngestFeedbackUseCase(producer).ingest(CLICK);
    expect(answer).toEqual({ accepted: 1, eventIds: ['5d2c1f0e-8b1a-4c3e-9f00-000000000001'] });
    expect(producer.sent.map((s) => [s.topic, s.messages.map((m) => m.key)])).toEqual([['feedback', ['u-1']]]);
    expect(producer.values()).toEqual([expect.objectContaining(CLICK)]);
  });

  it('emits a batch as one event, in order', async () => {
    const producer = new RecordingProducer();
    const answer = await new IngestFeedbackUseCase(producer).ingest({ events: [CLICK, RATING] });
    expect(answer.eventIds).toEqual(['5d2c1f0e-8b1a-4c3e-9f00-000000000001', '5d2c1f0e-8b1a-4c3e-9f00-000000000002']);
    expect(producer.sent.length).toBe(1);
    expect(producer.sent[0]!.messages.map((m) => m.key)).toEqual(['u-1', 'u-2']);
  });

  it('produces what the schema outputs, for the shapes the fast path takes and those it leaves to the schema', async () => {
    const producer = new RecordingProducer();
    const events = [
      RATING, // no scale: the schema's default 1–5 is added
      { ...RATING, eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000003', scale: { min: 0, max: 10, positiveAt: 7 } }, // positiveAt: schema
      { ...CLICK, eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000004', context: { surface: 'home', position: 2 } }, // context: schema
      { eventId: '5d2c1f0e-8b1a-4c3e-9f00-000000000005', type: 'pairwise', userId: 'u-3', chosenId: 'a', rejectedId: 'b', tie: true, domain: 'news', occurredAt: '2026-01-01T00:00:02Z' },
    ];
    await new IngestFeedbackUseCase(producer).ingest({ events });
    expect(producer.values()).toEqual(events.map((e) => feedbackEventV1.parse(e)));
    expect(producer.values()[0]).toMatchObject({ scale: { min: 1, max: 5 } });
  });

  it('is all-or-nothing: one invalid event refuses the batch, naming each bad field with its index (400)', async () => {
    const producer = new RecordingProducer();
    const answer = await errorAnswer(new IngestFeedbackUseCase(producer).ingest({ events: [CLICK, { ...RATING, value: 9 }, { ...CLICK, userId: '' }] }));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('2 invalid field(s); nothing was accepted. Fix them and resend the whole request');
    expect(answer.body.issues!.map((i) => i.path)).toEqual(['events[1].value', 'events[2].userId']);
    expect(producer.sent).toEqual([]);
  });

  it.each([
    ['null', null],
    ['an array', [CLICK]],
    ['a string', 'click'],
  ])('refuses a body that is %s (400)', async (_what, body) => {
    const answer = await errorAnswer(new IngestFeedbackUseCase(new RecordingProducer()).ingest(body));
    expect(answer).toEqual({ status: 400, body: { code: 'REQUEST.INVALID', message: 'body must be one feedback event object or { "events": [ ... ] }' } });
  });

  it('refuses an empty batch (400) and one over 1000 events (413), naming "events"', async () => {
    const use = new IngestFeedbackUseCase(new RecordingProducer());
    const empty = await errorAnswer(use.ingest({ events: [] }));
    expect([empty.status, empty.body.issues]).toEqual([400, [{ path: 'events', message: 'expected a non-empty array' }]]);
    const tooMany = await errorAnswer(use.ingest({ events: Array.from({ length: 1001 }, () => CLICK) }));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toBe('a batch holds at most 1000 events and this one has 1001; split it into several requests');
  });

  it('answers 503 when the broker refuses, or does not acknowledge within the deadline', async () => {
    const refusing = new RecordingProducer();
    refusing.fail = new Error('leader not available');
    const refused = await errorAnswer(new IngestFeedbackUseCase(refusing).ingest(CLICK));
    expect(refused.status).toBe(503);
    expect(refused.body.message).toBe(
      'could not write to Kafka (leader not available); resend the same request with the same eventIds (a repeated eventId is applied once)',
    );
    const silent = new RecordingProducer();
    silent.hang = true;
    const late = await errorAnswer(new IngestFeedbackUseCase(silent, 20).ingest(CLICK));
    expect(late.status).toBe(503);
    expect(late.body.message).toContain('no acknowledgement from the broker within 20 ms');
  });
});
