import { z } from 'zod';
import { domainName, externalId, isoTimestamp, storableText } from './common-fields';

/** A served list: what was shown to whom, in which order, under which policy. */
export const exposureV1 = z.strictObject({
  schemaVersion: z.literal(1).optional(),
  listId: externalId,
  userId: externalId,
  domain: domainName,
  /** Which ranking produced the list: `accuracy` (top-n by personalized reward), `calibrated`, `aggregate` (cold start). */
  policy: storableText('policy', { min: 1, max: 64 }),
  servedAt: isoTimestamp,
  items: z
    .array(
      z.strictObject({
        itemId: externalId,
        rank: z.number().int().nonnegative(),
        score: z.number().finite(),
        /** The user's persona the item serves (issue #16): the one of most attention for it, named by its strongest categories. */
        persona: z.strictObject({ id: z.number().int().nonnegative(), label: storableText('persona.label', { min: 1, max: 256 }) }).optional(),
      }),
    )
    .min(1)
    .max(1000),
});

export type ExposureV1 = z.output<typeof exposureV1>;
