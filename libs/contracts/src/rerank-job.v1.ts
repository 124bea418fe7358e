import { z } from 'zod';
import { domainName, externalId, externalIdIssue, storableText } from './common-fields';

/** Longest calibrated list a job may ask for (the gateway serves at most 200 items too). */
export const RERANK_MAX_LIST_SIZE = 200;
/** Users named in one job or request; larger sets are a `population` job or several segment jobs. */
export const RERANK_MAX_USERS = 10_000;

/** Why a rerank was asked for: a drift alert (with its id), the configured schedule, or an operator. */
export const rerankReasonV1 = z
  .strictObject({
    kind: z.enum(['alert', 'schedule', 'manual'], { error: 'reason.kind must be "alert", "schedule" or "manual"' }),
    alertId: storableText('alertId', { min: 1, max: 128 }).optional(),
  })
  .refine((reason) => reason.kind !== 'alert' || reason.alertId !== undefined, {
    message: 'a rerank triggered by an alert must name the alert (alertId)',
    path: ['alertId'],
  });

/** A segment's name (e.g. "cohort-2026-01"; the subject of its drift alerts): the external id rule. */
export const segmentName = externalId;

/** Longest rerank job id: `user.<domain>.<user id>.v<version>[.l<λ>][.n<n>]` or `fan-out.<scope>.<uuid>`, with room. */
export const RERANK_JOB_ID_MAX_LENGTH = 512;

/** A rerank job id as GET /v1/admin/rerank/jobs/:id takes it: the external id rule, up to 512 characters. */
export const rerankJobId = z
  .string({ error: 'expected a rerank job id from POST /v1/admin/rerank' })
  .superRefine((id, ctx) => {
    const issue = externalIdIssue(id, RERANK_JOB_ID_MAX_LENGTH);
    if (issue !== undefined) ctx.addIssue({ code: 'custom', message: issue });
  });

const userIdList = z
  .array(externalId, { error: 'userIds must be an array of user ids' })
  .min(1, 'userIds must name at least one user')
  .max(RERANK_MAX_USERS, `at most ${RERANK_MAX_USERS} users per job; use scope "population" for everyone`);

/** Optional per-job overrides of the reranker's defaults (RERANK_LAMBDA, RERANK_LIST_SIZE). */
const rerankSettings = {
  /** λ ∈ [0, 1] of Steck's objective: 0 = accuracy order, 1 = calibration only. */
  lambda: z.number({ error: 'lambda must be a number in [0, 1]' }).min(0, 'lambda must be ≥ 0').max(1, 'lambda must be ≤ 1').optional(),
  /** Length of the calibrated list. */
  n: z
    .number({ error: `n must be an integer in [1, ${RERANK_MAX_LIST_SIZE}]` })
    .int(`n must be an integer in [1, ${RERANK_MAX_LIST_SIZE}]`)
    .min(1, 'n must be ≥ 1')
    .max(RERANK_MAX_LIST_SIZE, `n must be ≤ ${RERANK_MAX_LIST_SIZE}`)
    .optional(),
};

/**
 * The payload of a job on the BullMQ queue `rerank` (validated by the worker; a payload that fails is an unrecoverable
 * job failure carrying the issues).
 *
 * - `user`: `userIds` names the user(s). A job with exactly one user is the unit of work; one with several is fanned
 *   out into one job per user.
 * - `segment`: `userIds` lists the segment's members, `segment` optionally names it. Segments are explicit member
 *   lists: the caller that defines the segment (an operator, drift-watch's alert scope) passes the members; the
 *   reranker does not resolve names. The per-user jobs a segment fans out into keep the segment name for tracing.
 * - `population`: every user with a model in `domain`; `userIds` must be absent.
 */
export const rerankJobV1 = z
  .strictObject({
    schemaVersion: z.literal(1, { error: 'schemaVersion must be 1 for rerank jobs v1' }).optional(),
    scope: z.enum(['user', 'segment', 'population'], { error: 'scope must be "user", "segment" or "population"' }),
    domain: domainName,
    userIds: userIdList.optional(),
    segment: segmentName.optional(),
    reason: rerankReasonV1,
    ...rerankSettings,
  })
  .superRefine((job, ctx) => {
    if (job.scope !== 'population' && job.userIds === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userIds'], message: `a "${job.scope}" job must list its userIds` });
    }
    if (job.scope === 'population' && job.userIds !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['userIds'], message: 'a "population" job covers every user of the domain; omit userIds' });
    }
    if (job.scope === 'population' && job.segment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['segment'], message: 'a "population" job has no segment; omit segment' });
    }
  });

export type RerankJobV1 = z.output<typeof rerankJobV1>;
export type RerankJobInputV1 = z.input<typeof rerankJobV1>;
export type RerankReasonV1 = z.output<typeof rerankReasonV1>;

/**
 * The body of POST /v1/admin/rerank: exactly one of `userIds`, `segment` ({ name, userIds }) or `all: true`, the
 * domain, and optional λ and n.
 */
export const rerankRequestV1 = z
  .strictObject({
    domain: domainName,
    userIds: userIdList.optional(),
    segment: z.strictObject({ name: segmentName, userIds: userIdList }).optional(),
    all: z.literal(true, { error: 'all must be true (or be left out)' }).optional(),
    ...rerankSettings,
  })
  .superRefine((request, ctx) => {
    const chosen = (['userIds', 'segment', 'all'] as const).filter((key) => request[key] !== undefined);
    if (chosen.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['userIds'], message: 'name whom to rerank: "userIds": [...], "segment": { "name", "userIds" } or "all": true' });
    } else if (chosen.length > 1) {
      for (const key of chosen) ctx.addIssue({ code: 'custom', path: [key], message: `give only one of userIds, segment, all (got ${chosen.join(', ')})` });
    }
  });

export type RerankRequestV1 = z.output<typeof rerankRequestV1>;

/** Most users one `rerank-batch` job carries (RERANK_BATCH_SIZE is at most this). */
export const RERANK_MAX_BATCH_USERS = 1000;

/**
 * The payload of a `rerank-batch` job: users a fan-out reranks together (reads, insert and completion send shared).
 * Each user carries the model version the fan-out read, from which the user's own job id follows (`rerankJobId`):
 * the list a user gets from a batch is stored under the same id as a `rerank-user` job of that user and version, so
 * the two deduplicate each other. The settings are the fan-out's.
 */
export const rerankBatchJobV1 = z
  .strictObject({
    schemaVersion: z.literal(1, { error: 'schemaVersion must be 1 for rerank batch jobs v1' }).optional(),
    domain: domainName,
    users: z
      .array(
        z.strictObject({
          userId: externalId,
          modelVersion: z.string({ error: 'modelVersion must be "<user events>.<aggregate events>"' }).regex(/^\d{1,18}\.\d{1,18}$/, 'modelVersion must be "<user events>.<aggregate events>", e.g. "12.3400"'),
        }),
        { error: 'users must be an array of { userId, modelVersion }' },
      )
      .min(1, 'a batch names at least one user')
      .max(RERANK_MAX_BATCH_USERS, `at most ${RERANK_MAX_BATCH_USERS} users per batch`),
    segment: segmentName.optional(),
    reason: rerankReasonV1,
    ...rerankSettings,
  })
  .superRefine((job, ctx) => {
    const seen = new Set<string>();
    job.users.forEach(({ userId }, index) => {
      if (seen.has(userId)) ctx.addIssue({ code: 'custom', path: ['users', index, 'userId'], message: `user ${JSON.stringify(userId)} appears twice in the batch; list each user once` });
      seen.add(userId);
    });
  });

export type RerankBatchJobV1 = z.output<typeof rerankBatchJobV1>;
