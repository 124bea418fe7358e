import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { feedbackBatchV1, feedbackEventV1, FEEDBACK_BATCH_LIMIT, referencedItems } from './feedback-event.v1';
import { itemV1, normaliseCategories } from './item.v1';
import { parseJsonWith, parseWith } from './validation-issue';
import { TOPICS, topicName } from './topics';

const fixtures = join(__dirname, '..', 'fixtures');
const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const files = (dir: string) => readdirSync(join(fixtures, dir)).filter((f) => f.endsWith('.json'));

describe('feedback event v1 fixtures', () => {
  it.each(files('valid'))('accepts valid/%s', (file) => {
    const parsed = parseWith(feedbackEventV1, read(join(fixtures, 'valid', file)));
    expect(parsed).toMatchObject({ ok: true });
  });

  it.each(files('invalid'))('rejects invalid/%s at the named field', (file) => {
    const { expectPath, event } = read(join(fixtures, 'invalid', file)) as { expectPath: string; event: unknown };
    const parsed = parseWith(feedbackEventV1, event);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain(expectPath);
  });

  it('fills the default rating scale 1..5', () => {
    const parsed = feedbackEventV1.parse({
      eventId: '0b8f6f0e-0a65-4c55-9a0e-7d2f0f3e1a01',
      userId: 'u',
      occurredAt: '2026-11-27T10:00:00Z',
      domain: 'movies',
      type: 'rating',
      itemId: 'i',
      value: 3,
    });
    expect(parsed.type === 'rating' && parsed.scale).toEqual({ min: 1, max: 5 });
  });

  it('lists the items an event refers to', () => {
    const pairwise = feedbackEventV1.parse(read(join(fixtures, 'valid', 'pairwise-tie.json')));
    expect(referencedItems(pairwise)).toEqual(['a-1', 'a-2']);
    const click = feedbackEventV1.parse(read(join(fixtures, 'valid', 'click-with-context.json')));
    expect(referencedItems(click)).toEqual(['n-17']);
  });
});

describe('feedback batch', () => {
  it('refuses an empty batch and one over the limit, naming the limit', () => {
    expect(parseWith(feedbackBatchV1, { events: [] })).toMatchObject({ ok: false });
    const over = parseWith(feedbackBatchV1, { events: new Array(FEEDBACK_BATCH_LIMIT + 1).fill({}) });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.issues[0]!.message).toContain(String(FEEDBACK_BATCH_LIMIT));
  });
});

describe('item v1 fixtures', () => {
  it.each(files('items/valid'))('accepts items/valid/%s', (file) => {
    expect(parseWith(itemV1, read(join(fixtures, 'items', 'valid', file)))).toMatchObject({ ok: true });
  });

  it.each(files('items/invalid'))('rejects items/invalid/%s at the named field', (file) => {
    const { expectPath, item } = read(join(fixtures, 'items', 'invalid', file)) as { expectPath: string; item: unknown };
    const parsed = parseWith(itemV1, item);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain(expectPath);
  });

  it('normalises category weights to sum 1 and drops zeros', () => {
    expect(normaliseCategories({ a: 3, b: 1, c: 0 })).toEqual({ a: 0.75, b: 0.25 });
  });
});

describe('JSON message parsing', () => {
  it('reports malformed JSON and empty messages at the root instead of throwing', () => {
    expect(parseJsonWith(feedbackEventV1, '{nope')).toMatchObject({ ok: false, issues: [{ path: '(root)' }] });
    expect(parseJsonWith(feedbackEventV1, null)).toMatchObject({ ok: false, issues: [{ path: '(root)' }] });
  });

  it('roots issue paths under a batch index', () => {
    const parsed = parseWith(feedbackEventV1, { type: 'click' }, 'events[3]');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain('events[3].eventId');
  });
});

describe('topics', () => {
  it('prefixes topic names for isolated stacks', () => {
    expect(topicName('feedback')).toBe(TOPICS.feedback);
    expect(topicName('feedbackDlq', 't1.')).toBe('t1.chorus.feedback.dlq.v1');
  });
});
