import { z } from 'zod';
import { categoryWeights, denseFeature, domainName, externalId, stance, storableText } from './common-fields';

export const MAX_DENSE_FEATURES = 64;
export const ITEM_IMPORT_LIMIT = 5000;

/** The body of PUT /v1/items/:id: what an item is about. Category weights are relative; they are normalised to sum 1. */
export const itemBodyV1 = z.strictObject({
  domain: domainName,
  categories: categoryWeights,
  stance: stance.optional(),
  /** Dense features, each finite with |x| ≤ DENSE_FEATURE_BOUND (see there for why). */
  features: z
    .array(denseFeature)
    .max(MAX_DENSE_FEATURES, `at most ${MAX_DENSE_FEATURES} dense features`)
    .optional(),
  title: storableText('title', { max: 512 }).optional(),
});

/** The catalogue record carried on chorus.items.v1 and in bulk imports. */
export const itemV1 = itemBodyV1.extend({ itemId: externalId });

export const itemImportV1 = z.strictObject({
  items: z
    .array(z.unknown())
    .min(1, 'items must hold at least one item')
    .max(ITEM_IMPORT_LIMIT, `an import holds at most ${ITEM_IMPORT_LIMIT} items; split it into several requests`),
});

export type ItemBodyV1 = z.output<typeof itemBodyV1>;
export type ItemV1 = z.output<typeof itemV1>;

/** Normalise category weights to sum 1 (the schema guarantees a positive sum). */
export function normaliseCategories(categories: Readonly<Record<string, number>>): Record<string, number> {
  let total = 0;
  for (const weight of Object.values(categories)) total += weight;
  const out: Record<string, number> = {};
  for (const [name, weight] of Object.entries(categories)) if (weight > 0) out[name] = weight / total;
  return out;
}
