import { z } from 'zod';
import { domainName, isoTimestamp } from './common-fields';
import { orderedRange, queryInt, rangeMessage } from './drift-admin.v1';
import { feedbackContextV1 } from './feedback-event.v1';

/** Longest list GET /v1/users/:id/recommendations serves. */
export const MAX_RECOMMENDATIONS = 200;

/** GET /v1/models/aggregate?domain=&includeItems= */
export const aggregateQueryV1 = z.strictObject({
  domain: domainName,
  /** Also list the per-item intercepts (`item:*` features). */
  includeItems: z
    .enum(['true', 'false'], { error: 'includeItems must be "true" or "false"' })
    .transform((v) => v === 'true')
    .default(false),
});

/** The prior on a learned variance: log-normal, its mode and the sd of its logarithm. */
const learnedVariancePrior = z.strictObject({ mode: z.number().positive().finite(), logSd: z.number().positive() });

/** A domain's pooling strength τ² in GET /v1/models/aggregate: set by configuration, or learned from the events. */
export const poolingStrengthV1 = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('fixed'), tau2: z.number().min(0).finite() }),
  z.strictObject({
    source: z.literal('learned'),
    /** The MAP τ² on the grid: what users are learned and served under once the learner reads the same evidence. */
    tau2: z.number().positive().finite(),
    /** Shards (partitions) whose evidence is summed (0: no event yet, the prior's mode). */
    shards: z.number().int().min(0),
    /** Candidate τ², ascending. */
    grid: z.array(z.number().positive().finite()).min(1),
    /** Per candidate, the prequential log-likelihood of the events so far (≤ 0). */
    logEvidence: z.array(z.number().max(0).finite()),
    /** The log-normal prior on τ²: its mode and the sd of ln τ². */
    prior: learnedVariancePrior,
  }),
]).refine((p) => p.source === 'fixed' || (p.logEvidence.length === p.grid.length && p.grid.includes(p.tau2)), {
  message: 'a learned τ² must be one of its grid, with one log-evidence per grid member',
});

/**
 * The aggregate's item-intercept prior variance σ²_c (c_i ~ N(0, σ²_c)) in GET /v1/models/aggregate: set by
 * LEARNER_ITEM_PRIOR_VARIANCE, or learned from the events as τ² is (issue #16).
 */
export const itemPriorVarianceV1 = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('fixed'), variance: z.number().positive().finite() }),
  z.strictObject({
    source: z.literal('learned'),
    /** The MAP σ²_c on the grid of the shards' summed evidence: what the served aggregate's intercepts are under. */
    variance: z.number().positive().finite(),
    shards: z.number().int().min(0),
    grid: z.array(z.number().positive().finite()).min(1),
    logEvidence: z.array(z.number().max(0).finite()),
    prior: learnedVariancePrior,
  }),
]).refine((p) => p.source === 'fixed' || (p.logEvidence.length === p.grid.length && p.grid.includes(p.variance)), {
  message: 'a learned σ²_c must be one of its grid, with one log-evidence per grid member',
});

/** GET /v1/models/aggregate: the response (published, with its OpenAPI name, as `aggregateModelV1` in http-answers.v1). */
export const aggregateModelReadV1 = z.strictObject({
  domain: domainName,
  eventsSeen: z.number().int().min(0),
  shards: z.number().int().min(0),
  pooling: poolingStrengthV1,
  itemPriorVariance: itemPriorVarianceV1,
  /** feature → posterior mean and sd. */
  weights: z.record(z.string(), z.strictObject({ mean: z.number().finite(), sd: z.number().positive().finite() })),
});
export type AggregateModelV1 = z.output<typeof aggregateModelReadV1>;

/** GET /v1/users/:id/model?domain= */
export const userModelQueryV1 = z.strictObject({ domain: domainName });

/** GET /v1/users/:id/recommendations?domain=&n=&framingId= */
export const recommendationsQueryV1 = z.strictObject({
  domain: domainName,
  n: queryInt('n', 1, MAX_RECOMMENDATIONS).default(10),
  /**
   * The framing the list will be shown under (the feedback events' context.framingId): the user's deviation for it,
   * learned from what they chose under it, is added to their scores (issue #15). Absent: the condition-free ranking.
   */
  framingId: feedbackContextV1.shape.framingId,
});

/** GET /v1/admin/users/:id/lists?domain=&n= (n: the accuracy list's length; default the calibrated list's, else 10) */
export const userListsQueryV1 = z.strictObject({
  domain: domainName,
  n: queryInt('n', 1, MAX_RECOMMENDATIONS).optional(),
});

/** GET /v1/admin/overview/prequential-auc?domain=&bucketSeconds=&from=&to= */
export const prequentialAucQueryV1 = z
  .strictObject({
    domain: domainName,
    /** The learner buckets by the minute; wider buckets add minutes up. */
    bucketSeconds: queryInt('bucketSeconds', 60, 86_400)
      .refine((s) => s % 60 === 0, 'bucketSeconds must be a whole number of minutes (a multiple of 60)')
      .default(60),
    from: isoTimestamp.optional(),
    to: isoTimestamp.optional(),
  })
  .refine(orderedRange, rangeMessage);
