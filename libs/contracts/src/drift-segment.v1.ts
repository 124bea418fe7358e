import { z } from 'zod';
import { domainName, externalId } from './common-fields';
import { orderedRange, queryInt, rangeMessage, seriesFilters } from './drift-admin.v1';
import { RERANK_MAX_USERS, segmentName } from './rerank-job.v1';

/**
 * Most members a drift segment may have. The same bound as a rerank job's user list, so a harmful segment alert
 * reranks the whole segment in one `segment` job (rerank-job.v1) — a segment drift-watch could watch but not rerank
 * would be a trap.
 */
export const DRIFT_SEGMENT_MAX_MEMBERS = RERANK_MAX_USERS;

/**
 * PUT /v1/admin/drift/segments/:domain/:name — the segment's complete membership (it replaces the previous one).
 * Segments are explicit member lists, as rerank jobs' segments are. Repeated ids count once.
 */
export const driftSegmentMembersV1 = z.strictObject({
  userIds: z
    .array(externalId, { error: 'userIds must be an array of user ids' })
    .min(1, 'userIds must name at least one user; to stop watching a segment, DELETE it')
    .max(DRIFT_SEGMENT_MAX_MEMBERS, `userIds must name at most ${DRIFT_SEGMENT_MAX_MEMBERS} users; split the cohort into several segments`),
});
export type DriftSegmentMembersV1 = z.output<typeof driftSegmentMembersV1>;

/** The path of one segment: the domain it is watched in and its name (the `subject` of its alerts). */
export const driftSegmentKeyV1 = z.strictObject({ domain: domainName, name: segmentName });
export type DriftSegmentKeyV1 = z.output<typeof driftSegmentKeyV1>;

/** GET /v1/admin/drift/segments/:domain/:name — members in user-id order, keyset-paged (`after` = last id seen). */
export const driftSegmentMembersQueryV1 = z.strictObject({
  limit: queryInt('limit', 1, DRIFT_SEGMENT_MAX_MEMBERS).default(1000),
  after: externalId.optional(),
});
export type DriftSegmentMembersQueryV1 = z.output<typeof driftSegmentMembersQueryV1>;

/** GET /v1/admin/drift/segments?domain= — every segment (optionally of one domain) with its member count. */
export const driftSegmentListQueryV1 = z.strictObject({ domain: domainName.optional() });

/** GET /v1/admin/drift/segments/:domain/:name/series — metric, bucket-start range, limit (as the population series). */
export const driftSegmentSeriesQueryV1 = z.strictObject({ ...seriesFilters }).refine(orderedRange, rangeMessage);
export type DriftSegmentSeriesQueryV1 = z.output<typeof driftSegmentSeriesQueryV1>;
