import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { alertFiltersV1, createSubscriptionV1, updateSubscriptionV1 } from './alert-subscription.v1';
import { externalId } from './common-fields';
import { driftAlertAckV1, driftAlertQueryV1 } from './drift-admin.v1';
import { driftDetectorConfigBodyV1 } from './drift-detector-config.v1';
import { decodeFeedbackEvent } from './feedback-event.decoder';
import { fastParseFeedbackEvent, parseFeedbackMessage } from './feedback-event.fast-path';
import { feedbackEventV1 } from './feedback-event.v1';
import { itemBodyV1 } from './item.v1';
import { feedbackBase } from './testing/feedback-shapes';
import { formatPath, parseWith } from './validation-issue';

// The id rule written out as literals, one row per case: whether an id is valid, and whether the byte decoder takes it
// (it takes only pure-ASCII, escape-free text and declines the rest to the schema, so a valid non-ASCII id is
// 'decline', never 'accept'). Nothing here is computed from the pattern under test: loosening or tightening the rule
// anywhere (schema, fast path, decoder) fails a row.
type Row = readonly [label: string, id: string, valid: boolean, decoder: 'accept' | 'decline'];

const ROWS: readonly Row[] = [
  ['plain', 'u-1', true, 'accept'],
  ['one character', 'a', true, 'accept'],
  ['ASCII punctuation', 'a/b:c@d.e_f~g!h', true, 'accept'],
  ['128 ASCII characters', 'x'.repeat(128), true, 'accept'],
  ['129 ASCII characters', 'x'.repeat(129), false, 'decline'],
  ['empty', '', false, 'decline'],
  ['CJK', '日本語', true, 'decline'],
  ['Latin-1 letter', 'é', true, 'decline'],
  ['emoji (a valid surrogate pair)', 'u-😀', true, 'decline'],
  ['64 emoji: 128 UTF-16 units', '😀'.repeat(64), true, 'decline'],
  ['64 emoji and one letter: 129 UTF-16 units', `a${'😀'.repeat(64)}`, false, 'decline'],
  ['space', 'a b', false, 'decline'],
  ['tab', 'a\tb', false, 'decline'],
  ['newline', 'a\nb', false, 'decline'],
  ['carriage return', 'a\rb', false, 'decline'],
  ['vertical tab', 'a\u000bb', false, 'decline'],
  ['form feed', 'a\u000cb', false, 'decline'],
  ['no-break space U+00A0', 'a\u00a0b', false, 'decline'],
  ['line separator U+2028', 'a\u2028b', false, 'decline'],
  ['paragraph separator U+2029', 'a\u2029b', false, 'decline'],
  ['byte order mark U+FEFF', 'a\ufeffb', false, 'decline'],
  ['NUL U+0000', 'a\u0000b', false, 'decline'],
  ['NUL alone', '\u0000', false, 'decline'],
  ['C0 U+0001', 'a\u0001b', false, 'decline'],
  ['C0 U+001F', 'a\u001fb', false, 'decline'],
  ['DEL U+007F', 'a\u007fb', false, 'decline'],
  ['C1 U+0080', 'a\u0080b', false, 'decline'],
  ['C1 NEL U+0085', 'a\u0085b', false, 'decline'],
  ['C1 U+009F', 'a\u009fb', false, 'decline'],
  ['lone high surrogate', 'a\ud800b', false, 'decline'],
  ['lone high surrogate at the end', 'ab\udbff', false, 'decline'],
  ['lone low surrogate', 'a\udc00b', false, 'decline'],
  ['low then high (reversed pair)', 'a\ude00\ud83db', false, 'decline'],
];

const pairwiseBase = { ...feedbackBase, type: 'pairwise' as const, chosenId: 'c-1', rejectedId: 'r-1' };
const KEYS = ['userId', 'itemId', 'listId', 'chosenId', 'rejectedId'] as const;

function eventWith(key: (typeof KEYS)[number], id: string): Record<string, unknown> {
  return key === 'chosenId' || key === 'rejectedId' ? { ...pairwiseBase, [key]: id } : { ...feedbackBase, type: 'click', itemId: 'm-1', [key]: id };
}

/** The decoder on the message's UTF-8 bytes, as the consumers call it: a latin1 view of the batch's bytes. */
function decode(bytes: Buffer): unknown {
  const text = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('}"')]).toString('latin1');
  return decodeFeedbackEvent(text, 2, 2 + bytes.length);
}

describe('the external id rule, pinned by literals', () => {
  it.each(ROWS)('%s: the schema says valid=%j', (_label, id, valid) => {
    expect(externalId.safeParse(id).success).toBe(valid);
  });

  it.each(ROWS)('%s: every id field of an event, through the schema and the fast path, says valid=%j', (_label, id, valid) => {
    for (const key of KEYS) {
      const event = eventWith(key, id);
      expect(feedbackEventV1.safeParse(event).success, key).toBe(valid);
      expect(fastParseFeedbackEvent(event) !== undefined, key).toBe(valid);
      expect(parseFeedbackMessage(JSON.stringify(event)).ok, key).toBe(valid);
    }
  });

  it.each(ROWS)('%s: the byte decoder says %j', (_label, id, _valid, decoder) => {
    for (const key of KEYS) {
      expect(decode(Buffer.from(JSON.stringify(eventWith(key, id)), 'utf8')) !== undefined, key).toBe(decoder === 'accept');
    }
  });

  it('the decoder declines raw DEL, escaped NUL and escaped lone surrogates, and the schema refuses them', () => {
    const message = (id: string) => `{"eventId":"${feedbackBase.eventId}","userId":${id},"occurredAt":"${feedbackBase.occurredAt}","domain":"movies","type":"click","itemId":"m-1"}`;
    for (const id of ['"a\u007fb"', '"a\\u0000b"', '"a\\ud800b"', '"a\\udc00"', '"a\\u0085"', '"a\\u007f"']) {
      const json = message(id);
      expect(decode(Buffer.from(json, 'utf8')), id).toBeUndefined();
      expect(parseFeedbackMessage(json).ok, id).toBe(false);
    }
    // The same message with a valid id is taken by all three.
    expect(decode(Buffer.from(message('"a-b"'), 'utf8'))).toMatchObject({ userId: 'a-b' });
    expect(parseFeedbackMessage(message('"a-b"')).ok).toBe(true);
  });

  it('the decoder declines the UTF-8 bytes of a lone surrogate (CESU-style ED A0 80), which UTF-8 decoding turns into U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from(`{"eventId":"${feedbackBase.eventId}","userId":"a`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`","occurredAt":"${feedbackBase.occurredAt}","domain":"movies","type":"click","itemId":"m-1"}`)]);
    expect(decode(bytes)).toBeUndefined();
  });
});

// Free text (notes, descriptions, titles, names, context fields): anything Postgres text and jsonb can store. Tab,
// newline and CR are text; other C0 controls are not; NUL and lone surrogates cannot be stored at all.
const TEXT_ROWS: readonly (readonly [label: string, text: string, valid: boolean])[] = [
  ['plain', 'checked, a known campaign', true],
  ['newline', 'line one\nline two', true],
  ['tab', 'a\tb', true],
  ['CRLF', 'a\r\nb', true],
  ['non-ASCII and emoji', 'é 日本 😀', true],
  ['DEL', 'a\u007fb', true],
  ['C1 NEL', 'a\u0085b', true],
  ['U+2028', 'a\u2028b', true],
  ['NUL', 'a\u0000b', false],
  ['C0 U+0001', 'a\u0001b', false],
  ['vertical tab', 'a\u000bb', false],
  ['C0 U+001F', 'a\u001fb', false],
  ['lone high surrogate', 'a\ud800b', false],
  ['lone low surrogate', 'a\udc00', false],
];

/** Every free-text field of the edge schemas, as [what, schema, body with the text at `path`, path]. */
const TEXT_FIELDS: readonly (readonly [string, z.ZodType, (text: string) => unknown, string])[] = [
  ['an acknowledgement note', driftAlertAckV1, (note) => ({ note }), 'note'],
  ['a subscription description', createSubscriptionV1, (description) => ({ url: 'https://hooks.example.com/x', description }), 'description'],
  ['a subscription description (PATCH)', updateSubscriptionV1, (description) => ({ description }), 'description'],
  ['a subject filter', alertFiltersV1, (subject) => ({ subjects: [subject] }), 'subjects[0]'],
  ['an item title', itemBodyV1, (title) => ({ domain: 'movies', categories: { drama: 1 }, title }), 'title'],
  ['a category name', itemBodyV1, (name) => ({ domain: 'movies', categories: { [name]: 1 } }), 'categories'],
  ['a context surface', feedbackEventV1, (surface) => ({ ...feedbackBase, type: 'click', itemId: 'm-1', context: { surface } }), 'context.surface'],
  ['a context framingId', feedbackEventV1, (framingId) => ({ ...feedbackBase, type: 'click', itemId: 'm-1', context: { framingId } }), 'context.framingId'],
  ['a detector configuration comment', driftDetectorConfigBodyV1, (comment) => ({ detector: 'ADWIN', direction: 'up', harmful: true, criticalChange: 1, comment }), 'comment'],
  ['an alert subject filter (admin query)', driftAlertQueryV1, (subject) => ({ subject }), 'subject'],
];

describe('the free-text rule, pinned by literals', () => {
  for (const [what, schema, body, path] of TEXT_FIELDS) {
    it.each(TEXT_ROWS)(`${what}: %s is valid=%j`, (_label, text, valid) => {
      const parsed = parseWith(schema, body(text));
      expect(parsed.ok).toBe(valid);
      if (!parsed.ok) expect(parsed.issues.map((issue) => issue.path)).toEqual([path]);
    });
  }
});

describe('numbers in items', () => {
  const item = (fields: Record<string, unknown>) => itemBodyV1.safeParse({ domain: 'movies', categories: { drama: 1 }, ...fields });
  const paths = (result: ReturnType<typeof item>) => (result.success ? [] : result.error.issues.map((issue) => formatPath(issue.path)));

  it('dense features lie in [-1e6, 1e6]: 1e200 (which turns a posterior non-finite) is refused, naming the feature', () => {
    expect(paths(item({ features: [0.5, 1e200] }))).toEqual(['features[1]']);
    expect(paths(item({ features: [-1e200] }))).toEqual(['features[0]']);
    expect(paths(item({ features: [1000001] }))).toEqual(['features[0]']);
    expect(paths(item({ features: [-1000001] }))).toEqual(['features[0]']);
    expect(item({ features: [1e6, -1e6, 0, 5e-324] }).success).toBe(true);
  });

  it('category weights lie in [0, 1e6] and stance in [-1, 1]', () => {
    expect(paths(item({ categories: { drama: 1e200 } }))).toEqual(['categories.drama']);
    expect(paths(item({ categories: { drama: 1e308, war: 1e308 } }))).toEqual(['categories.drama', 'categories.war']);
    expect(item({ categories: { drama: 1e6, war: 1 } }).success).toBe(true);
    expect(paths(item({ stance: 1.5 }))).toEqual(['stance']);
    expect(item({ stance: -1 }).success).toBe(true);
  });

  it('a category key __proto__ is dropped and does not replace the prototype of the parsed categories', () => {
    const result = itemBodyV1.parse(JSON.parse('{"domain":"movies","categories":{"__proto__":{"polluted":1},"drama":1}}'));
    expect(Object.keys(result.categories)).toEqual(['drama']);
    expect(Object.getPrototypeOf(result.categories)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a category name that is not storable is reported at categories, with the key quoted', () => {
    const parsed = parseWith(itemBodyV1, { domain: 'movies', categories: { 'dra\u0000ma': 1 } });
    expect(parsed).toEqual({ ok: false, issues: [{ path: 'categories', message: 'key "dra\\u0000ma": a category name must not contain NUL (U+0000)' }] });
  });
});

describe('numbers in rating events', () => {
  // [scale, value, valid]: the decoder takes exactly the valid ones (all are canonical ASCII JSON).
  const CASES: readonly (readonly [{ min: number; max: number }, number, boolean])[] = [
    [{ min: 1, max: 5 }, 4, true],
    [{ min: -1e9, max: 1e9 }, 0, true],
    [{ min: -1e9, max: 1e9 }, 1e9, true],
    [{ min: 0, max: 1000000001 }, 5, false],
    [{ min: -1000000001, max: 0 }, -5, false],
    [{ min: 1e308, max: 1.7e308 }, 1.5e308, false],
    [{ min: -1.7e308, max: 1.7e308 }, 0, false],
  ];

  it.each(CASES)('scale %j with value %j: valid=%j in the schema, the fast path and the decoder', (scale, value, valid) => {
    const event = { ...feedbackBase, type: 'rating', itemId: 'm-1', value, scale };
    expect(feedbackEventV1.safeParse(event).success).toBe(valid);
    expect(fastParseFeedbackEvent(event) !== undefined).toBe(valid);
    expect(decode(Buffer.from(JSON.stringify(event), 'utf8')) !== undefined).toBe(valid);
  });
});
