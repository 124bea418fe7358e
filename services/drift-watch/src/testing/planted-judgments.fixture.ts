import type { FeedbackEventV1, ItemV1 } from '@chorus/contracts';
import { plantAnnotators, type PlantedJudgment } from '@chorus/simulation';
import type { DriftMessage } from './drift-stream.fixture';

/**
 * Planted pairwise judgments for the `non-attitude-share` signal (libs/simulation's planted annotators): a stationary
 * stream of mostly genuine annotators, and a burst of coin-flip annotators (a bot, or a surface whose buttons stopped
 * meaning anything). Seeded and small: 60 annotators × 20 pairs × 4 repeats over 40 items.
 */
export const PLANTED_ITEMS = 40;

/** The planted items of a domain; ids are prefixed with the domain (`movies:item-3`), as item ids are global. */
export function plantedCatalogue(domain: string): ItemV1[] {
  return Array.from({ length: PLANTED_ITEMS }, (_, k) => ({ itemId: `${domain}:item-${k}`, domain, categories: { drama: 1 } }));
}

const small = { itemCount: PLANTED_ITEMS, pairCount: 200, pairsPerAnnotator: 20, repeats: 4 } as const;

/** 60 annotators: 75% genuine, 10% non-attitude, 15% constructed (4,800 judgments). */
export function stationaryJudgments(): readonly PlantedJudgment[] {
  return plantAnnotators({ ...small, seed: 15, annotatorCount: 60, shares: { genuine: 0.75, 'non-attitude': 0.1, constructed: 0.15 } }).judgments;
}

/** 25 coin-flip annotators without position bias, ids `bot-…` (2,000 judgments). */
export function coinFlipJudgments(): readonly PlantedJudgment[] {
  return plantAnnotators({ ...small, seed: 16, annotatorCount: 25, shares: { genuine: 0, 'non-attitude': 1, constructed: 0 }, positionBiasShare: 0 }).judgments.map(
    (j) => ({ ...j, userId: `bot-${j.userId}` }),
  );
}

/** Judgments at evenly spaced event times from `fromMs`, `perBucket` per bucket of `bucketMs`. */
export function spread(judgments: readonly PlantedJudgment[], fromMs: number, bucketMs: number, perBucket: number): { at: number; judgment: PlantedJudgment }[] {
  return judgments.map((judgment, k) => ({ at: fromMs + Math.floor((k * bucketMs) / perBucket), judgment }));
}

/**
 * Pairwise feedback messages of a domain in event-time order (items as in {@link plantedCatalogue}), with the shown
 * position and framing as the event's context; event ids are unique per domain and `idBase`.
 */
export function judgmentMessages(stream: { at: number; judgment: PlantedJudgment }[], domain: string, idBase = 0): DriftMessage[] {
  return [...stream]
    .sort((a, b) => a.at - b.at)
    .map(({ at, judgment }, k): DriftMessage => {
      const value: FeedbackEventV1 = {
        eventId: `00000000-0000-4000-8000-${String(idBase + k).padStart(12, '0')}`,
        userId: judgment.userId,
        occurredAt: new Date(at).toISOString(),
        domain,
        type: 'pairwise',
        chosenId: `${domain}:${judgment.chosenId}`,
        rejectedId: `${domain}:${judgment.rejectedId}`,
        context: { position: judgment.position, framingId: judgment.framingId },
      };
      return { topic: 'feedback', value };
    });
}
