import { DOMAIN_PATTERN, isExternalId, isoTimestamp, uuid } from './common-fields';
import { feedbackEventV1, RATING_SCALE_BOUND, type FeedbackEventV1 } from './feedback-event.v1';
import { parseJsonWith, parseWith, type Parsed } from './validation-issue';

// The very patterns the schema checks with, taken from the schema objects, so the two cannot disagree.
const UUID_PATTERN = (uuid as unknown as { _zod: { pattern: RegExp } })._zod.pattern;
const TIMESTAMP_PATTERN = (isoTimestamp as unknown as { _zod: { pattern: RegExp } })._zod.pattern;

const BASE_KEYS = ['schemaVersion', 'eventId', 'userId', 'occurredAt', 'domain', 'type', 'listId'];
// A Map, not an object literal: `type` is untrusted, and "constructor" or "__proto__" would find Object.prototype's.
const KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['rating', new Set([...BASE_KEYS, 'itemId', 'value', 'scale'])],
  ['click', new Set([...BASE_KEYS, 'itemId'])],
  ['skip', new Set([...BASE_KEYS, 'itemId'])],
  ['pairwise', new Set([...BASE_KEYS, 'chosenId', 'rejectedId', 'tie'])],
]);

const isId = isExternalId;
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The consumers' hot path: accepts the common shape of a valid chorus.feedback.v1 event in well under the schema's
 * time, and returns exactly what `feedbackEventV1.parse` would. Anything it is not sure of — a `context`, a
 * `positiveAt`, any flaw at all — returns undefined, and the caller parses with the schema, which also says what is
 * wrong. It never accepts an event the schema refuses (property-tested against the schema).
 */
export function fastParseFeedbackEvent(input: unknown): FeedbackEventV1 | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || Object.getPrototypeOf(input) !== Object.prototype) return undefined;
  const e = input as Record<string, unknown>;
  const allowed = typeof e.type === 'string' ? KEYS.get(e.type) : undefined;
  if (!allowed) return undefined;
  for (const key in e) if (!allowed.has(key)) return undefined;
  if (e.schemaVersion !== undefined && e.schemaVersion !== 1) return undefined;
  if (typeof e.eventId !== 'string' || !UUID_PATTERN.test(e.eventId)) return undefined;
  if (!isId(e.userId)) return undefined;
  if (typeof e.occurredAt !== 'string' || !TIMESTAMP_PATTERN.test(e.occurredAt)) return undefined;
  if (typeof e.domain !== 'string' || !DOMAIN_PATTERN.test(e.domain)) return undefined;
  if (e.listId !== undefined && !isId(e.listId)) return undefined;
  switch (e.type) {
    case 'click':
    case 'skip':
      return isId(e.itemId) ? (e as unknown as FeedbackEventV1) : undefined;
    case 'pairwise':
      if (!isId(e.chosenId) || !isId(e.rejectedId) || e.chosenId === e.rejectedId) return undefined;
      if (e.tie !== undefined && typeof e.tie !== 'boolean') return undefined;
      return e as unknown as FeedbackEventV1;
    case 'rating': {
      if (!isId(e.itemId) || !isFinite(e.value)) return undefined;
      let scale = e.scale as Record<string, unknown> | undefined;
      if (scale === undefined) {
        scale = { min: 1, max: 5 };
      } else {
        if (typeof scale !== 'object' || scale === null || Object.getPrototypeOf(scale) !== Object.prototype) return undefined;
        for (const key in scale) if (key !== 'min' && key !== 'max') return undefined;
        if (!isFinite(scale.min) || !isFinite(scale.max) || !(scale.max > scale.min)) return undefined;
        if (Math.abs(scale.min) > RATING_SCALE_BOUND || Math.abs(scale.max) > RATING_SCALE_BOUND) return undefined;
        scale = { min: scale.min, max: scale.max };
      }
      if (e.value < (scale.min as number) || e.value > (scale.max as number)) return undefined;
      return { ...e, scale } as unknown as FeedbackEventV1;
    }
    default:
      return undefined;
  }
}

/**
 * Parse a chorus.feedback.v1 message: the fast path for the common case, the schema (with its explanation) for the
 * rest. Malformed JSON and empty messages are issues at the root, never exceptions.
 */
export function parseFeedbackMessage(text: string | null | undefined): Parsed<FeedbackEventV1> {
  if (text) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return parseJsonWith(feedbackEventV1, text);
    }
    const fast = fastParseFeedbackEvent(json);
    if (fast) return { ok: true, value: fast };
    return parseWith(feedbackEventV1, json);
  }
  return parseJsonWith(feedbackEventV1, text);
}
