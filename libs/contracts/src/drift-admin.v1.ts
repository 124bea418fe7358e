import { z } from 'zod';
import { domainName, isoTimestamp, storableText } from './common-fields';
import { driftScope, driftSeverity } from './drift-alert.v1';
import { driftMetricName } from './drift-metric';

/** Query strings are text: these parse them with messages that say what a good value looks like. */
export const queryInt = (name: string, min: number, max: number) =>
  z
    .string({ error: `${name} must be an integer from ${min} to ${max}` })
    .regex(/^\d+$/, `${name} must be an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be ≥ ${min}`).max(max, `${name} must be ≤ ${max}`));

const timeRange = {
  /** Inclusive lower bound (ISO-8601 with a zone). */
  from: isoTimestamp.optional(),
  /** Exclusive upper bound. */
  to: isoTimestamp.optional(),
};

export const orderedRange = <T extends { from?: string; to?: string }>(query: T) => query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to);
export const rangeMessage = { message: 'from must be earlier than to', path: ['to'] };

/** GET /v1/admin/drift/alerts: filters (all optional, combined with AND), newest first, keyset-paginated. */
export const driftAlertQueryV1 = z
  .strictObject({
    scope: driftScope.optional(),
    metric: driftMetricName.optional(),
    domain: domainName.optional(),
    subject: storableText('subject', { min: 1, max: 256 }).optional(),
    severity: driftSeverity.optional(),
    acknowledged: z.enum(['true', 'false'], { error: 'acknowledged must be "true" or "false"' }).transform((v) => v === 'true').optional(),
    /** On raisedAt. */
    ...timeRange,
    limit: queryInt('limit', 1, 500).default(50),
    /** `nextCursor` of the previous page. */
    cursor: storableText('cursor', { max: 512 }).optional(),
  })
  .refine(orderedRange, rangeMessage);
export type DriftAlertQueryV1 = z.output<typeof driftAlertQueryV1>;

/** POST /v1/admin/drift/alerts/:id/ack */
export const driftAlertAckV1 = z.strictObject({
  note: storableText('note', { max: 1000 }).optional(),
});

/** What every series query filters on besides its subject: metric, bucket-start range, limit. */
export const seriesFilters = {
  metric: driftMetricName.optional(),
  /** On the bucket start. */
  ...timeRange,
  limit: queryInt('limit', 1, 10_000).default(1000),
};

/** GET /v1/admin/drift/series/users/:userId and /series/population: one domain, optional metric, time range. */
export const driftSeriesQueryV1 = z
  .strictObject({
    domain: domainName,
    ...seriesFilters,
  })
  .refine(orderedRange, rangeMessage);
export type DriftSeriesQueryV1 = z.output<typeof driftSeriesQueryV1>;
