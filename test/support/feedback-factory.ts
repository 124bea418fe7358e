import { createHash } from 'node:crypto';
import type { FeedbackEventInputV1, ItemV1 } from '@chorus/contracts';
import { mulberry32 } from '@chorus/random';

/** Deterministic UUID from a seed string, so streams are reproducible run to run. */
export function seededUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const GENRES = ['drama', 'comedy', 'documentary', 'horror', 'romance', 'scifi'];

export function catalogue(size: number, domain = 'movies', seed = 7): ItemV1[] {
  const rand = mulberry32(seed);
  return Array.from({ length: size }, (_, i) => {
    const a = GENRES[Math.floor(rand() * GENRES.length)]!;
    const b = GENRES[Math.floor(rand() * GENRES.length)]!;
    return { itemId: `item-${i}`, domain, categories: a === b ? { [a]: 1 } : { [a]: 0.6, [b]: 0.4 }, stance: Math.round((rand() * 2 - 1) * 100) / 100 };
  });
}

/** A mixed stream (ratings, clicks, skips, pairwise) over `users` users and the given items. */
export function feedbackStream(count: number, options: FeedbackStreamOptions = {}): FeedbackEventInputV1[] {
  return Array.from(feedbackEvents(count, options));
}

export interface FeedbackStreamOptions {
  users?: number;
  items?: number;
  domain?: string;
  seed?: number;
  /** Who sends each event (a user index in [0, users)); uniform over the users when absent. */
  pickUser?: () => number;
  /**
   * Pairwise judgments repeat (issue #15): most of a user's judgments are of one of a few pairs of their own, asked
   * again under a framing and a shown position, so reliability has repeats and conditions to work on. Off by default
   * (the stream is then exactly what it always was).
   */
  repeatedJudgments?: boolean;
}

/** The same stream, one event at a time: for streams too large to hold (millions of events). */
export function* feedbackEvents(count: number, { users = 50, items = 100, domain = 'movies', seed = 11, pickUser, repeatedJudgments = false }: FeedbackStreamOptions = {}): Generator<FeedbackEventInputV1> {
  const rand = mulberry32(seed);
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const userId = `user-${pickUser ? pickUser() : Math.floor(rand() * users)}`;
    const itemId = `item-${Math.floor(rand() * items)}`;
    const base = { eventId: seededUuid(`${seed}:${i}`), userId, domain, occurredAt: new Date(start + i * 1000).toISOString() };
    const kind = rand();
    if (kind < 0.5) yield { ...base, type: 'rating', itemId, value: 1 + Math.floor(rand() * 5) } as FeedbackEventInputV1;
    else if (kind < 0.7) yield { ...base, type: 'click', itemId } as FeedbackEventInputV1;
    else if (kind < 0.85) yield { ...base, type: 'skip', itemId } as FeedbackEventInputV1;
    else if (repeatedJudgments && rand() < 0.8) {
      // One of the user's 4 pairs (user u's k-th pair: items u+k and u+k+7), either way round, in a condition.
      const u = Number(userId.slice(5));
      const k = Math.floor(rand() * 4);
      const [a, b] = [`item-${(u + k) % items}`, `item-${(u + k + 7) % items}`];
      const [chosenId, rejectedId] = rand() < 0.75 ? [a, b] : [b, a];
      const context = { framingId: rand() < 0.5 ? 'short' : 'long', position: rand() < 0.5 ? 0 : 1 };
      yield { ...base, type: 'pairwise', chosenId, rejectedId, context } as FeedbackEventInputV1;
    } else {
      const other = `item-${(Number(itemId.slice(5)) + 1 + Math.floor(rand() * (items - 1))) % items}`;
      yield { ...base, type: 'pairwise', chosenId: itemId, rejectedId: other, tie: rand() < 0.1 } as FeedbackEventInputV1;
    }
  }
}
