import { z } from 'zod';
import { driftAlertV1 } from './drift-alert.v1';
import { driftDetectorConfigBodyV1 } from './drift-detector-config.v1';
import { driftMetricName } from './drift-metric';
import { exposureV1 } from './exposure.v1';
import { itemV1 } from './item.v1';
import { aggregateModelReadV1 } from './model-read.v1';
import { alertFiltersV1 } from './alert-subscription.v1';
import { WEBHOOK_EVENTS } from './webhook-delivery.v1';

/**
 * What the HTTP APIs answer, as Zod schemas: the services' OpenAPI documents are generated from them (and the typed
 * client from those), and each service checks at compile time that what its use cases return is what these say.
 * Answers are written by our own code, so these describe rather than validate; they are plain (non-strict) objects.
 */

/** Every named answer schema: the OpenAPI documents list them under components.schemas and refer to them by id. */
export const httpAnswerSchemas = z.registry<{ id: string }>();
function answer<T extends z.ZodType>(id: string, schema: T): T {
  httpAnswerSchemas.add(schema, { id });
  return schema;
}

const timestamp = z.string().describe('ISO-8601 timestamp');
const count = z.number().int().min(0);

/** Every error answer of every route: a stable code, a sentence saying what to do, and the offending fields. */
export const errorBodyV1 = answer(
  'ErrorBody',
  z.object({
    code: z.string().describe('Stable error code, e.g. REQUEST.INVALID, AUTH.INVALID_KEY, DRIFT.ALERT_NOT_FOUND'),
    message: z.string().describe('What was wrong and how to fix it'),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Each offending field (validation errors)'),
  }),
);

// ---- gateway ---------------------------------------------------------------------------------------------------

export const feedbackAcceptedV1 = answer('FeedbackAccepted', z.object({ accepted: count, eventIds: z.array(z.string()) }));

const itemVersion = z.object({ itemId: z.string(), version: z.number().int().min(1) });
export const itemWrittenV1 = answer('ItemWritten', itemVersion);
export const itemsImportedV1 = answer('ItemsImported', z.object({ imported: count, items: z.array(itemVersion) }));
export const storedItemV1 = answer('StoredItem', itemV1.extend({ version: z.number().int().min(1), updatedAt: timestamp }));

/** Posterior mean and standard deviation of one feature's weight. */
const weight = z.object({ mean: z.number(), sd: z.number() });
const weights = z.record(z.string(), weight);

export const aggregateModelV1 = answer('AggregateModel', aggregateModelReadV1);

const personaV1 = z.object({
  id: z.number().int().min(0).describe('Stable for the user'),
  label: z.string().describe("Its strongest categories, as recommendations name it"),
  mass: z.number().min(0).describe('Events it explained (responsibility-weighted)'),
  share: z.number().min(0).max(1).describe('mass / total mass: the share calibrated reranking keeps'),
  deviation: weights.describe("This persona's deviation from the aggregate, per feature, with its posterior sd"),
  personalized: z.record(z.string(), z.number()).describe("Aggregate mean plus this persona's deviation mean, per feature"),
});

const personaDecisionV1 = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('open'), persona: z.number().int(), atEvent: z.number(), evidence: z.number().describe("Nats of decayed prequential evidence for the opened persona") }),
  z.object({ kind: z.literal('merge'), persona: z.number().int(), into: z.number().int(), atEvent: z.number(), maxZ: z.number().describe('Largest standardized difference of means, below the merge threshold'), feature: z.string().describe('The feature where it is reached') }),
]);

export const userModelV1 = answer('UserModel', z
  .object({
    userId: z.string(),
    domain: z.string(),
    eventsSeen: count,
    updatedAt: timestamp.nullable(),
    tau2: z.number().describe('Prior variance of the deviation from the aggregate'),
    deviation: weights.describe("The user's deviation from the aggregate, per feature, with its posterior sd"),
    personalized: z.record(z.string(), z.number()).describe('Aggregate mean plus deviation mean, per feature'),
    divergence: z.object({ deviationNormInPriorSd: z.number() }),
    personas: z.array(personaV1).describe("The user's personas, oldest first (the first is `deviation`); empty for a user without events"),
    personaDecisions: z.array(personaDecisionV1).describe('The latest persona open and merge decisions with their evidence, oldest first (at most 8 are kept)'),
  }));

export const calibrationSummaryV1 = answer('CalibrationSummary', z
  .object({
    listId: z.string(),
    jobId: z.string(),
    createdAt: timestamp,
    modelVersion: z.string(),
    lambda: z.number(),
    klBefore: z.number().describe('Steck miscalibration C_KL of the accuracy list'),
    klAfter: z.number().describe('C_KL of the calibrated list'),
    relevanceRetained: z.number().nullable().describe('share of the accuracy list relevance the calibrated list keeps; null when it had none'),
  }));

export const recommendationsV1 = answer('Recommendations', z
  .object({
    listId: z.string().nullable().describe('null when nothing is left to serve (nothing is logged then)'),
    userId: z.string(),
    domain: z.string(),
    policy: z.string().describe('calibrated, accuracy, aggregate (no events yet) or borrowed (cold-start borrowing)'),
    servedAt: timestamp,
    items: z.array(exposureV1.shape.items.element),
    candidates: count,
    schemaVersion: z.literal(1).optional(),
    calibration: calibrationSummaryV1.optional().describe('policy calibrated: the list it comes from'),
    borrowed: z
      .object({
        from: z.literal('similar-user').describe('the donor is never named: their id would link two people and expose one’s tastes to the other'),
        events: count.describe('the user’s own events the guard judged by'),
        meanGain: z.number().describe('mean log-loss gain per event of the borrowed profile over the aggregate'),
        lowerBound: z.number().describe('its one-sided 95% lower bound (> 0, or it would not have been borrowed)'),
      })
      .optional()
      .describe('policy borrowed: a similar user’s deviation ranked the list (LEARNER_BORROWING, issue #16)'),
  }));

const enqueuedRerankJob = z.object({
  jobId: z.string(),
  name: z.enum(['rerank-user', 'rerank-fan-out', 'rerank-batch']),
  userId: z.string().optional().describe('per-user jobs'),
  modelVersion: z.string().optional().describe('per-user jobs: the model version the id was derived from'),
});

export const rerankRequestAnswerV1 = answer('RerankRequestAnswer', z
  .object({
    requestId: z.string().describe('The request as recorded in Postgres (rerank_requests)'),
    state: z
      .enum(['enqueued', 'pending'])
      .describe('enqueued: the jobs are in the queue. pending: recorded, but Redis was unreachable; the gateway enqueues the jobs, with these ids, once it is back'),
    jobIds: z.array(z.string()),
    jobs: z.array(enqueuedRerankJob),
  }));

export const rerankJobStatusV1 = answer('RerankJobStatus', z
  .object({
    jobId: z.string(),
    name: z.string(),
    state: z.string().describe('BullMQ state: waiting, active, delayed, completed, failed, prioritized, waiting-children, or unknown'),
    attemptsMade: count,
    attemptsStarted: count,
    attemptsAllowed: count,
    failedReason: z.string().nullable(),
    result: z.unknown(),
    progress: z.unknown(),
    data: z.unknown(),
    enqueuedAt: timestamp,
    processedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  }));

export const storedDriftAlertV1 = answer('StoredDriftAlert', driftAlertV1
  .extend({
    occurrences: z.number().int().min(1),
    lastSeenAt: timestamp,
    lastEventAt: timestamp,
    lastValue: z.number(),
    acknowledgedAt: timestamp.nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgedNote: z.string().nullable(),
    publishedAt: timestamp.nullable(),
    rerank: z.object({ requested: z.boolean(), jobIds: z.array(z.string()), enqueuedAt: timestamp.nullable(), error: z.string().nullable() }),
  }));

export const driftAlertPageV1 = answer('DriftAlertPage', z
  .object({ items: z.array(storedDriftAlertV1), nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last') }));

const seriesPoint = z.object({ metric: z.string(), bucketStart: timestamp, value: z.number() });
const shardPoint = seriesPoint.extend({ shard: count.describe('the Kafka partition whose users the estimate is drawn from'), users: count });

export const userSeriesV1 = answer('UserSeries', z.object({ userId: z.string(), domain: z.string(), points: z.array(seriesPoint) }));
export const populationSeriesV1 = answer('PopulationSeries', z.object({ domain: z.string(), points: z.array(shardPoint.extend({ events: count })) }));

const driftConfigRow = {
  metric: driftMetricName,
  domain: z.string(),
  version: count,
  changeId: count,
  config: driftDetectorConfigBodyV1,
};
export const effectiveDriftConfigV1 = answer('EffectiveDriftConfig', z
  .object({ ...driftConfigRow, source: z.enum(['domain', 'default', 'built-in']) }));
export const driftConfigVersionV1 = answer('DriftConfigVersion', z.object({ ...driftConfigRow, createdAt: timestamp, createdBy: z.string().nullable() }));
export const effectiveDriftConfigsV1 = answer('EffectiveDriftConfigs', z.object({ domain: z.string(), metrics: z.array(effectiveDriftConfigV1) }));
export const driftConfigHistoryV1 = answer('DriftConfigHistory', z.object({ effective: effectiveDriftConfigV1, versions: z.array(driftConfigVersionV1) }));

export const driftSegmentSummaryV1 = answer('DriftSegmentSummary', z
  .object({
    domain: z.string(),
    name: z.string(),
    version: z.number().int().min(1),
    changeId: count,
    members: count,
    createdAt: timestamp,
    createdBy: z.string().nullable(),
    updatedAt: timestamp,
    updatedBy: z.string().nullable(),
  }));
export const driftSegmentListV1 = answer('DriftSegmentList', z.object({ items: z.array(driftSegmentSummaryV1) }));
export const driftSegmentPageV1 = answer('DriftSegmentPage', driftSegmentSummaryV1
  .extend({ userIds: z.array(z.string()), nextAfter: z.string().nullable().describe('pass as after for the next page of members') }));
export const driftSegmentSeriesV1 = answer('DriftSegmentSeries', z.object({ domain: z.string(), segment: z.string(), points: z.array(shardPoint) }));

// ---- notifier --------------------------------------------------------------------------------------------------

export const subscriptionV1 = answer('Subscription', z
  .object({
    id: z.string(),
    description: z.string().nullable(),
    url: z.string(),
    active: z.boolean(),
    filters: alertFiltersV1.required(),
    previousSecretExpiresAt: timestamp.nullable().describe('until when the secret replaced last still signs deliveries; null when none does'),
    createdAt: timestamp,
    updatedAt: timestamp,
  }));
export const createdSubscriptionV1 = answer('CreatedSubscription', subscriptionV1.extend({ secret: z.string().describe('shown only in this answer') }));
export const subscriptionListV1 = answer('SubscriptionList', z.object({ subscriptions: z.array(subscriptionV1) }));

export const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'dead'] as const;
export const deliveryLogEntryV1 = answer('DeliveryLogEntry', z
  .object({
    id: z.string(),
    event: z.enum(WEBHOOK_EVENTS),
    alertId: z.string().nullable(),
    alertSequence: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: count,
    maxAttempts: count,
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestamp.nullable(),
    createdAt: timestamp,
    completedAt: timestamp.nullable(),
    attemptLog: z.array(z.object({ attempt: z.number().int().min(1), at: timestamp, statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number() })),
  }));
export const deliveryLogV1 = answer('DeliveryLog', z
  .object({ deliveries: z.array(deliveryLogEntryV1), next: z.string().nullable().describe('pass as before for the next page') }));
export const pingAnswerV1 = answer('PingAnswer', z.object({ deliveryId: z.string(), status: z.literal('pending') }));
