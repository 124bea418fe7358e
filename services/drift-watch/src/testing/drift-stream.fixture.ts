import { createHash } from 'node:crypto';
import type { ExposureV1, FeedbackEventV1, ItemV1 } from '@chorus/contracts';
import { mulberry32 } from '@chorus/random';

/**
 * Deterministic drift scenarios for drift-watch's tests and benchmark: a catalogue with categories and stances, and
 * per-user streams of served lists (exposures) each followed by a click on one of the served items.
 *
 * - a *control* user is served and clicks uniformly across categories and stances throughout;
 * - a *narrowing* user starts the same, then, from `narrowFrom` on, is served and clicks one category ever more often,
 *   reaching only that category at `narrowTo` (a feed collapsing onto one interest);
 * - a *camp* user drifts in stance: served and clicking items of one sign of stance, ever more extreme (a population
 *   of such users, half on each side, splits into two camps).
 */

export const DRIFT_CATEGORIES = ['politics', 'sports', 'science', 'culture', 'business', 'tech'] as const;

export function seededUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `perCategory` single-category items per category, stances spread evenly over [−1, 1] within each category. */
export function driftCatalogue(domain: string, perCategory = 20): ItemV1[] {
  const items: ItemV1[] = [];
  for (const category of DRIFT_CATEGORIES) {
    for (let k = 0; k < perCategory; k++) {
      const stance = Math.round((-1 + (2 * k) / (perCategory - 1)) * 100) / 100;
      items.push({ itemId: `${domain}-${category}-${k}`, domain, categories: { [category]: 1 }, stance });
    }
  }
  return items;
}

export interface UserScenario {
  userId: string;
  domain: string;
  /** Rounds (one served list + one click each). */
  rounds: number;
  /**
   * Narrowing: rounds [0, from) are uniform, the focus share rises linearly to 1 at `to`. With `feedOnly`, only the
   * served lists narrow while the user keeps consuming broadly (clicks on uniformly drawn catalogue items, e.g. found
   * by search): the crowded-out minority interest that miscalibration measures.
   */
  narrow?: { category: (typeof DRIFT_CATEGORIES)[number]; from: number; to: number; feedOnly?: boolean };
  /** Stance camp: from `from` on, served and clicked items have this sign and |stance| ≥ a rising floor. */
  camp?: { side: 1 | -1; from: number; to: number };
  seed: number;
  /** Event time of round 0 and the spacing of rounds. */
  startMs: number;
  stepMs: number;
  listSize?: number;
  perCategory?: number;
}

export type DriftMessage = { topic: 'exposures'; value: ExposureV1 } | { topic: 'feedback'; value: FeedbackEventV1 };

/** The user's messages in time order: for each round an exposure then a click on one served item. */
export function userStream(s: UserScenario): DriftMessage[] {
  const rand = mulberry32(s.seed);
  const perCategory = s.perCategory ?? 20;
  const listSize = s.listSize ?? 10;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: DriftMessage[] = [];
  for (let round = 0; round < s.rounds; round++) {
    const focusShare = s.narrow ? ramp(round, s.narrow.from, s.narrow.to) : 0;
    const campShare = s.camp ? ramp(round, s.camp.from, s.camp.to) : 0;
    const drawItem = (narrowing = true): string => {
      const category = s.narrow && narrowing && rand() < focusShare ? s.narrow.category : pick(DRIFT_CATEGORIES);
      let k = Math.floor(rand() * perCategory);
      if (s.camp && rand() < campShare) {
        // Items of the camp's sign, at least as extreme as the camp has become.
        const floor = Math.floor((perCategory / 2) * (0.2 + 0.8 * campShare));
        const half = Math.floor(perCategory / 2);
        const depth = floor + Math.floor(rand() * Math.max(1, half - floor));
        k = s.camp.side > 0 ? Math.min(perCategory - 1, half + depth) : Math.max(0, half - 1 - depth);
      }
      return `${s.domain}-${category}-${k}`;
    };
    const items = Array.from({ length: listSize }, () => drawItem());
    const at = s.startMs + round * s.stepMs;
    out.push({
      topic: 'exposures',
      value: {
        listId: seededUuid(`${s.userId}:${s.seed}:list:${round}`),
        userId: s.userId,
        domain: s.domain,
        policy: 'accuracy',
        servedAt: new Date(at).toISOString(),
        items: items.map((itemId, rank) => ({ itemId, rank, score: 1 - rank / listSize })),
      },
    });
    out.push({
      topic: 'feedback',
      value: {
        eventId: seededUuid(`${s.userId}:${s.seed}:click:${round}`),
        userId: s.userId,
        domain: s.domain,
        occurredAt: new Date(at + Math.floor(s.stepMs / 2)).toISOString(),
        type: 'click',
        itemId: s.narrow?.feedOnly ? drawItem(false) : items[Math.floor(rand() * items.length)]!,
      },
    });
  }
  return out;
}

function ramp(round: number, from: number, to: number): number {
  if (round < from) return 0;
  if (round >= to) return 1;
  return (round - from) / (to - from);
}

/** Interleaves several users' streams by event time (stable for ties), as a shared topic would carry them. */
export function interleave(streams: DriftMessage[][]): DriftMessage[] {
  const at = (m: DriftMessage) => Date.parse(m.topic === 'exposures' ? m.value.servedAt : m.value.occurredAt);
  return streams
    .flatMap((stream, s) => stream.map((message, i) => ({ message, s, i })))
    .sort((a, b) => at(a.message) - at(b.message) || a.s - b.s || a.i - b.i)
    .map(({ message }) => message);
}
