import { createSubscriptionV1, updateSubscriptionV1 } from '@chorus/contracts';
import { z } from 'zod';

/** OpenAPI request schemas generated from the Zod schemas that validate, so the document cannot drift from the code. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const openApiSchemas = {
  createSubscription: jsonSchema(createSubscriptionV1),
  updateSubscription: jsonSchema(updateSubscriptionV1),
};
