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

/**
 * Which of the domain's models weigh pairwise judgments and repeated ratings, clicks and skips by reliability
 * (LEARNER_RELIABILITY_WEIGHTS[_BY_DOMAIN]).
 */
const reliabilityWeighting = z.object({ aggregate: z.boolean(), personalized: z.boolean() });

/** The model read's summary of what the user's judgments count for (issue #15). */
const effectiveWeightV1 = z
  .object({
    judgments: count.describe('Pairwise judgments the learner has weighed'),
    meanWeight: z.number().describe('Mean reliability weight those judgments were given as they arrived (1 with none)'),
    aggregate: z.number().describe('Mean weight of the judgments in the aggregate: meanWeight where the domain weighs the aggregate, else 1'),
    personalized: z
      .number()
      .describe(
        "Mean weight of the judgments in the user's own (condition-free) model: meanWeight where the domain weighs it; else 1, less what judgments under a framing left to the user's deviation for that framing (LEARNER_CONDITION_DEVIATIONS)",
      ),
    items: z
      .object({
        observations: count.describe('Ratings, clicks and skips the learner has weighed'),
        meanWeight: z.number().describe('Mean reliability weight they were given (1 with none; a first observation of an item weighs 1), in the models the domain weighs'),
      })
      .describe('The same for item signals'),
  })
  .describe("What the user's pairwise judgments count for; GET /v1/users/{id}/reliability has the why");

const agreement = z.object({ agreeing: z.number(), compared: z.number() });
const classCounts = z.object({ genuine: count, 'non-attitude': count, constructed: count, unknown: count });

export const userReliabilityV1 = answer('UserReliability', z
  .object({
    userId: z.string(),
    domain: z.string(),
    judgments: count,
    signals: count.describe('Distinct pairs the user judged'),
    reliability: z
      .object({ mean: z.number(), sd: z.number(), agree: z.number(), disagree: z.number() })
      .describe("Agreement with the majority of the domain's other users on the same pairs, Beta(1 + agree, 1 + disagree): mean ± sd"),
    prequential: z
      .object({ agree: z.number(), disagree: z.number(), factor: z.number() })
      .describe("The same agreement as the learner counted it when each judgment arrived (against the other users of the user's partition), and the user factor of the weight it gives"),
    meanWeight: z.number().describe('Mean weight the learner gave the judgments'),
    weighting: reliabilityWeighting,
    classCounts: classCounts.describe('Signals (user, pair) per class; unknown while the evidence is thin'),
    classShares: z.object({ genuine: z.number(), 'non-attitude': z.number(), constructed: z.number() }).describe('Mean class posterior over the signals'),
    retest: agreement.describe('Pairs of judgments of the same pair under the same condition, and how many agree'),
    acrossConditions: agreement.describe('The same under different conditions (framing, surface, order)'),
    conditionEffects: z.object({
      position: z
        .object({ judgments: count, firstShownShare: z.number(), sd: z.number(), detected: z.boolean() })
        .describe('P(the first-shown item is chosen); detected when ½ lies more than two sd away'),
      framing: z.object({ signalsCompared: count, flipped: count }).describe('Signals with a direction in ≥ 2 conditions, and how many point different ways'),
    }),
    intransitivity: z.object({ triads: count, cycles: count }).describe("Triads of the user's majority directions whose three pairs are all judged, and the cyclic ones"),
    items: z
      .object({
        observations: count.describe('Ratings, clicks and skips the learner has weighed'),
        signals: count.describe('Distinct items among them'),
        repeated: count.describe('Items observed at least twice (the others are unknown for want of a repeat)'),
        meanWeight: z.number().describe('Mean weight the learner gave the observations (1 with none; a first observation of an item weighs 1)'),
        classCounts: classCounts.describe('Signals (user, item) per class'),
        retest: agreement.describe('Pairs of observations of the same item under the same condition on the same side of the label threshold'),
        acrossConditions: agreement.describe('The same under different conditions (framing, surface, shown position, order)'),
      })
      .describe("The user's repeated ratings, clicks and skips of single items, classified as the pairs are"),
  }));

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
    effectiveWeight: effectiveWeightV1,
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

// ---- gateway: the console's operations reads (issue #17) --------------------------------------------------------

export const consumerLagV1 = answer('ConsumerLag', z
  .object({
    observedAt: timestamp.describe('When the broker was asked; answers are cached for GATEWAY_LAG_CACHE_MS'),
    groups: z.array(z.object({
      group: z.string().describe('Kafka consumer group (LEARNER_GROUP_ID, DRIFT_GROUP_ID)'),
      topic: z.string(),
      totalLag: count,
      partitions: z.array(z.object({
        partition: count,
        endOffset: z.string().describe('The high watermark: the offset the next message will get'),
        committedOffset: z.string().nullable().describe('The group committed offset; null when it has committed none'),
        lag: count.describe('endOffset − committedOffset (endOffset − low watermark when none is committed)'),
      })),
    })),
  }));

/** The services that consume through the offsets-of-record transport, and so dead-letter (the gateway refuses at HTTP). */
export const DEAD_LETTERING_SERVICES = ['learner', 'drift-watch', 'notifier'] as const;

export const deadLettersByCodeV1 = answer('DeadLettersByCode', z
  .object({
    total: count.describe('Every service in all'),
    codes: z
      .array(z.object({
        service: z.enum(DEAD_LETTERING_SERVICES).describe('The consumer whose group refused the messages'),
        code: z.string().describe('e.g. FEEDBACK.INVALID, DRIFT.INVALID_EXPOSURE, ALERT.INVALID'),
        count,
      }))
      .describe("Counted by the transport's outbox in the transaction that commits the refused message offset: exactly once per message for the learner and drift-watch, once per DLQ letter for the notifier (which re-reads from Kafka's committed offsets); most first"),
  }));

export const prequentialAucSeriesV1 = answer('PrequentialAucSeries', z
  .object({
    domain: z.string(),
    bucketSeconds: z.number().int().min(60),
    approximation: z.string().describe('How the AUC is approximated (binned scores)'),
    points: z.array(z.object({
      bucketStart: timestamp.describe('Start of the bucket of event times (occurredAt)'),
      weight: z.number().min(0).describe('Sum of the event weights scored in the bucket'),
      aggregate: z.number().min(0).max(1).nullable().describe('AUC of the aggregate model, scored before it learned each event; null when the bucket has one class only'),
      personalized: z.number().min(0).max(1).nullable().describe('AUC of the personalized model, the same way'),
    })),
  }));

const rankedItem = z.object({ itemId: z.string(), score: z.number().describe('personalized logit') });
export const userListsV1 = answer('UserLists', z
  .object({
    userId: z.string(),
    domain: z.string(),
    accuracy: z.object({ items: z.array(rankedItem), candidates: count }).describe('The accuracy list as it would be served now (top n unseen by personalized reward); not logged as an exposure'),
    calibrated: calibrationSummaryV1
      .extend({
        n: count,
        candidates: count,
        listSource: z.string().describe('greedy, or accuracy when the greedy scored below it'),
        minorityShare: z.object({
          categories: z.array(z.string()).describe("The user's minority-interest categories"),
          profileShare: z.number().describe('Their share of the user profile'),
          listShareBefore: z.number().describe('Their share of the accuracy list the reranker started from'),
          listShare: z.number().describe('Their share of the calibrated list'),
        }),
        items: z.array(rankedItem),
      })
      .nullable()
      .describe('The newest calibrated list of the user, as the reranker stored it; null when none was made'),
  }));

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
