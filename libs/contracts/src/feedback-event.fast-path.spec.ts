import { describe, expect, it } from 'vitest';
import { fastParseFeedbackEvent, parseFeedbackMessage } from './feedback-event.fast-path';
import { feedbackEventV1 } from './feedback-event.v1';
import { commonFeedbackShapes } from './testing/feedback-shapes';
import { mulberry32 } from '@chorus/random';

const valid = commonFeedbackShapes;

// Values chosen to sit on the schema's edges: empty, whitespace, too long, wrong types, bad formats, leap days.
const probes: unknown[] = [
  undefined, null, true, 0, -1, 1, 1.5, 5, 5.5, 0.5, 1e308, Infinity, -Infinity, NaN, '', ' ', 'a b', 'x'.repeat(128), 'x'.repeat(129),
  'Movies', 'movies!', 'news', 'm-1', 'a', 'b', [], {}, { min: 5, max: 1 }, { min: 1, max: 5, positiveAt: 4 }, { min: '1', max: 5 },
  { min: 0, max: 10 }, { min: 1, max: 5, extra: 1 }, '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z',
  '2026-11-27T10:00:00', '2026-11-27T10:00:00+01:00', '2026-11-27T10:00:00.123456Z', '2026-11-27 10:00:00Z',
  '0B8F6F0E-0A65-4C55-9A0E-7D2F0F3E1A01', '0b8f6f0e-0a65-0c55-9a0e-7d2f0f3e1a01', '00000000-0000-0000-0000-000000000000',
  '0b8f6f0e0a654c559a0e7d2f0f3e1a01', 'rating', 'click', 'skip', 'pairwise', 'like', 2, { surface: 'home' },
];
const keys = ['eventId', 'userId', 'occurredAt', 'domain', 'type', 'itemId', 'value', 'scale', 'chosenId', 'rejectedId', 'tie', 'listId', 'schemaVersion', 'context', 'itemID', '__proto__'];

// The seeded property test runs 50,000 schema parses: about two seconds alone, several times that on a 2-core machine
// busy with other work, so it gets more than vitest's 5 s default (a timeout would say nothing about correctness).
describe('fastParseFeedbackEvent', { timeout: 60_000 }, () => {
  it('accepts the common valid shapes and returns exactly what the schema returns', () => {
    for (const event of valid) {
      const fast = fastParseFeedbackEvent(JSON.parse(JSON.stringify(event)));
      expect(fast).toBeDefined();
      expect(fast).toEqual(feedbackEventV1.parse(event));
    }
  });

  it('defers anything unusual to the schema (context, positiveAt, non-plain objects)', () => {
    expect(fastParseFeedbackEvent({ ...valid[0], context: { position: 1 } })).toBeUndefined();
    expect(fastParseFeedbackEvent({ ...valid[2], scale: { min: 1, max: 5, positiveAt: 4 } })).toBeUndefined();
    expect(fastParseFeedbackEvent(Object.assign(Object.create(null), valid[0]))).toBeUndefined();
    expect(fastParseFeedbackEvent([valid[0]])).toBeUndefined();
  });

  it('never accepts what the schema refuses, and agrees with it on what both accept (50,000 seeded mutations)', () => {
    const rand = mulberry32(2026);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    let acceptedByFast = 0;
    let acceptedBySchema = 0;
    for (let i = 0; i < 50_000; i++) {
      const event: Record<string, unknown> = JSON.parse(JSON.stringify(pick(valid)));
      const mutations = Math.floor(rand() * 3);
      for (let m = 0; m < mutations; m++) {
        const key = pick(keys);
        if (rand() < 0.25) delete event[key];
        else Object.defineProperty(event, key, { value: pick(probes), enumerable: true, writable: true, configurable: true });
      }
      const fast = fastParseFeedbackEvent(event);
      const schema = feedbackEventV1.safeParse(event);
      if (schema.success) acceptedBySchema++;
      if (fast === undefined) continue;
      acceptedByFast++;
      expect(schema.success, `fast path accepted what the schema refuses: ${JSON.stringify(event)}`).toBe(true);
      expect(fast).toEqual(schema.data);
    }
    // The fast path is worth having only if it takes most valid traffic (the rest is context/positiveAt variants).
    expect(acceptedByFast).toBeGreaterThan(acceptedBySchema * 0.8);
  });

  it('returns undefined, never throws, for a type that names a property of Object.prototype', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const event = { ...valid[0], type };
      expect(() => fastParseFeedbackEvent(event), type).not.toThrow();
      expect(fastParseFeedbackEvent(event), type).toBeUndefined();
      const parsed = parseFeedbackMessage(JSON.stringify(event));
      expect(parsed, type).toMatchObject({ ok: false, issues: [{ path: 'type' }] });
    }
  });

  it('parses messages: fast when it can, the schema with its issues when not, malformed JSON as a root issue', () => {
    expect(parseFeedbackMessage(JSON.stringify(valid[2]))).toEqual({ ok: true, value: feedbackEventV1.parse(valid[2]) });
    expect(parseFeedbackMessage(JSON.stringify({ ...valid[0], context: { position: 2 } }))).toMatchObject({ ok: true, value: { context: { position: 2 } } });
    expect(parseFeedbackMessage(JSON.stringify({ ...valid[2], value: 9 }))).toMatchObject({ ok: false, issues: [{ path: 'value' }] });
    expect(parseFeedbackMessage('{nope')).toMatchObject({ ok: false, issues: [{ path: '(root)' }] });
    expect(parseFeedbackMessage(null)).toMatchObject({ ok: false, issues: [{ path: '(root)' }] });
  });
});
