import { z } from 'zod';
import { categoryName, domainName, externalId, isoTimestamp, storableText, uuid } from './common-fields';
import { rerankReasonV1 } from './rerank-job.v1';

/**
 * Published on chorus.rerank-completed.v1 (keyed by userId) when the reranker has stored a calibrated list. Delivery
 * is at least once: `listId` identifies the stored list, so a consumer that must not count a list twice dedupes on it.
 */
export const rerankCompletedV1 = z.strictObject({
  schemaVersion: z.literal(1).optional(),
  /** The stored calibrated list (calibrated_lists.list_id). */
  listId: uuid,
  /** The BullMQ job that produced it; deterministic per user, domain, model version (and λ, n when overridden). */
  jobId: storableText('jobId', { min: 1, max: 512 }),
  userId: externalId,
  domain: domainName,
  /** The model the scores came from: `<user events seen>.<aggregate events seen>`. */
  modelVersion: storableText('modelVersion', { min: 1, max: 64 }),
  reason: rerankReasonV1,
  lambda: z.number().min(0).max(1),
  n: z.number().int().positive(),
  /** Item ids in rank order. */
  items: z.array(externalId).min(1),
  /** Steck's C_KL(p ‖ q̃) of the accuracy (top-n) list and of the stored list. */
  klBefore: z.number().finite(),
  klAfter: z.number().finite(),
  /** Σ relevance of the stored list ÷ that of the accuracy list; null when the latter is ≤ 0. */
  relevanceRetained: z.number().finite().nullable(),
  /** Categories under 20% of the user's profile: their share of the profile, of the stored list, of the accuracy list. */
  minorityShare: z.strictObject({
    categories: z.array(categoryName),
    profileShare: z.number().finite(),
    listShare: z.number().finite(),
    listShareBefore: z.number().finite(),
  }),
  /** `greedy` (Steck's greedy) or `accuracy-list` (the greedy scored below the accuracy list; see libs/calibration). */
  listSource: z.enum(['greedy', 'accuracy-list']),
  completedAt: isoTimestamp,
});

export type RerankCompletedV1 = z.output<typeof rerankCompletedV1>;
