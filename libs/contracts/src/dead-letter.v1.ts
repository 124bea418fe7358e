import { z } from 'zod';

/** What goes to chorus.feedback.dlq.v1: the original bytes, where they came from, and why they were refused. */
export const deadLetterV1 = z.strictObject({
  /** Stable machine-readable reason, `MODULE.REASON` (e.g. `FEEDBACK.INVALID`, `FEEDBACK.UNKNOWN_ITEM`). */
  code: z.string(),
  reason: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  source: z.strictObject({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  key: z.string().nullable(),
  /** The original message value as text (not parsed: it may not be JSON). */
  value: z.string().nullable(),
  failedAt: z.string(),
  consumer: z.string(),
});

export type DeadLetterV1 = z.output<typeof deadLetterV1>;

/**
 * The dead letter for a refused message: where it came from, the original key and value as text, and why — the one
 * builder every consumer uses, so every DLQ speaks the same shape.
 */
export function deadLetterFor(
  source: { topic: string; partition: number; offset: string; consumer: string },
  record: { key: string | null; value: string | null },
  code: string,
  reason: string,
  issues?: { path: string; message: string }[],
): DeadLetterV1 {
  return deadLetterV1.parse({
    code,
    reason,
    issues,
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    key: record.key,
    value: record.value,
    failedAt: new Date().toISOString(),
    consumer: source.consumer,
  });
}
