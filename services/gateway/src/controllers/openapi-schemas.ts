import { driftDetectorConfigBodyV1, driftSegmentMembersV1, exposureV1, feedbackEventV1, itemBodyV1, itemV1, rerankRequestV1 } from '@chorus/contracts';
import { z } from 'zod';

/** OpenAPI request schemas generated from the same Zod schemas that validate: the document cannot drift from the code. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const openApiSchemas = {
  feedbackEvent: jsonSchema(feedbackEventV1),
  feedbackBody: {
    oneOf: [jsonSchema(feedbackEventV1), { type: 'object', required: ['events'], properties: { events: { type: 'array', maxItems: 1000, items: jsonSchema(feedbackEventV1) } } }],
  },
  itemBody: jsonSchema(itemBodyV1),
  itemImport: { type: 'object', required: ['items'], properties: { items: { type: 'array', maxItems: 5000, items: jsonSchema(itemV1) } } },
  exposure: jsonSchema(exposureV1),
  rerankRequest: jsonSchema(rerankRequestV1),
  driftDetectorConfig: jsonSchema(driftDetectorConfigBodyV1),
  driftSegmentMembers: jsonSchema(driftSegmentMembersV1),
};
