import { z } from 'zod';
import { domainName, externalId, isoTimestamp, storableText, uuid } from './common-fields';

/** Maximum events in one POST /v1/feedback batch. */
export const FEEDBACK_BATCH_LIMIT = 1000;

/**
 * The measurement condition of a judgment. It is what lets the system tell genuine preferences (consistent across
 * conditions) from constructed ones (consistent within a framing, flipping across framings).
 */
export const feedbackContextV1 = z.strictObject({
  surface: storableText('surface', { min: 1, max: 64 }).optional(),
  position: z.number().int().nonnegative().optional(),
  framingId: storableText('framingId', { min: 1, max: 128 }).optional(),
  order: z.number().int().nonnegative().optional(),
});

const base = {
  schemaVersion: z.literal(1, { error: 'schemaVersion must be 1 for chorus.feedback.v1' }).optional(),
  eventId: uuid,
  userId: externalId,
  occurredAt: isoTimestamp,
  domain: domainName,
  context: feedbackContextV1.optional(),
  listId: externalId.optional(),
};

/**
 * Largest |min| and |max| of a rating scale. The rating's weight is 0.5 + |value − (min + max)/2| / (max − min): with
 * bounds near the largest double, min + max overflows to Infinity and so does the weight, which the reward model
 * refuses. 10⁹ is beyond any real scale and keeps every term of that formula exact enough and finite.
 */
export const RATING_SCALE_BOUND = 1e9;

const scaleBound = (name: 'min' | 'max') =>
  z
    .number({ error: `scale.${name} must be a number` })
    .finite()
    .min(-RATING_SCALE_BOUND, `scale.${name} must be ≥ -${RATING_SCALE_BOUND}`)
    .max(RATING_SCALE_BOUND, `scale.${name} must be ≤ ${RATING_SCALE_BOUND}`);

export const ratingScale = z
  .strictObject({
    min: scaleBound('min'),
    max: scaleBound('max'),
    /** Ratings at or above this value are positive; default: 75% of the way up the scale (4 on 1–5). */
    positiveAt: z.number().finite().optional(),
  })
  .refine((s) => s.max > s.min, { message: 'scale.max must be greater than scale.min', path: ['max'] })
  .refine((s) => s.positiveAt === undefined || (s.positiveAt > s.min && s.positiveAt <= s.max), {
    message: 'scale.positiveAt must lie in (min, max]',
    path: ['positiveAt'],
  });

export const ratingEventV1 = z
  .strictObject({
    ...base,
    type: z.literal('rating'),
    itemId: externalId,
    value: z.number({ error: 'value must be a number on the declared scale' }).finite(),
    scale: ratingScale.default({ min: 1, max: 5 }),
  })
  .refine((e) => e.value >= e.scale.min && e.value <= e.scale.max, {
    message: 'value must lie within scale [min, max]',
    path: ['value'],
  });

export const clickEventV1 = z.strictObject({ ...base, type: z.literal('click'), itemId: externalId });
export const skipEventV1 = z.strictObject({ ...base, type: z.literal('skip'), itemId: externalId });

export const pairwiseEventV1 = z
  .strictObject({
    ...base,
    type: z.literal('pairwise'),
    chosenId: externalId,
    rejectedId: externalId,
    /** The user judged the two equally good: a Bradley–Terry observation with label 1/2. */
    tie: z.boolean().optional(),
  })
  .refine((e) => e.chosenId !== e.rejectedId, {
    message: 'chosenId and rejectedId must differ',
    path: ['rejectedId'],
  });

export const feedbackEventV1 = z.discriminatedUnion(
  'type',
  [ratingEventV1, clickEventV1, skipEventV1, pairwiseEventV1],
  { error: 'type must be one of "rating", "click", "skip", "pairwise"' },
);

export type FeedbackEventV1 = z.output<typeof feedbackEventV1>;
export type FeedbackEventInputV1 = z.input<typeof feedbackEventV1>;
export type FeedbackType = FeedbackEventV1['type'];
export type RatingEventV1 = z.output<typeof ratingEventV1>;
export type PairwiseEventV1 = z.output<typeof pairwiseEventV1>;

/** A POST body: one event, or `{ events: [...] }` up to FEEDBACK_BATCH_LIMIT. */
export const feedbackBatchV1 = z.strictObject({
  events: z
    .array(z.unknown())
    .min(1, 'events must hold at least one event')
    .max(FEEDBACK_BATCH_LIMIT, `a batch holds at most ${FEEDBACK_BATCH_LIMIT} events; split it into several requests`),
});

/**
 * A pairwise event as the judgment libs/reliability classifies (its PairJudgment): the choice and the condition it was
 * made under. One mapping for every consumer that classifies judgments (the learner, drift-watch), so they agree.
 */
export function pairwiseJudgment(event: PairwiseEventV1) {
  const { surface, position, framingId, order } = event.context ?? {};
  return { userId: event.userId, chosenId: event.chosenId, rejectedId: event.rejectedId, tie: event.tie ?? false, position, framingId, surface, order };
}

/**
 * A rating's, click's or skip's fields as @chorus/reliability's item observation: `positive` is the side of the label
 * threshold the caller's reward model puts it on (a click 1, a skip 0, a rating ratingLabel's y).
 */
export function itemObservation(event: Exclude<FeedbackEventV1, PairwiseEventV1>, positive: boolean) {
  const { surface, position, framingId, order } = event.context ?? {};
  return { userId: event.userId, itemId: event.itemId, positive, position, framingId, surface, order };
}

/** Items an event refers to (one for rating/click/skip, two for pairwise). */
export function referencedItems(event: FeedbackEventV1): string[] {
  return event.type === 'pairwise' ? [event.chosenId, event.rejectedId] : [event.itemId];
}
