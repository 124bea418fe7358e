import { z } from 'zod';
import { domainName } from './common-fields';
import { queryInt } from './drift-admin.v1';

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

/** GET /v1/users/:id/model?domain= */
export const userModelQueryV1 = z.strictObject({ domain: domainName });

/** GET /v1/users/:id/recommendations?domain=&n= */
export const recommendationsQueryV1 = z.strictObject({
  domain: domainName,
  n: queryInt('n', 1, MAX_RECOMMENDATIONS).default(10),
});
