import { z } from 'zod';

/** What goes to chorus.feedback.dlq.v1: the original bytes, where they came from, and why they were refused. */
export const deadLetterV1 = z.strictObject({
  /** Stable machine-readable reason, `MODULE.REASON` (e.g. `FEEDBACK.INVALID`, `FEEDBACK.UNKNOWN_ITEM`). */
  code: z.string(),
  reason: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  source: z.strictObject({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  key: z.string().nullable(),
  /** The original message value as text (not parsed: it may not be JSON), cut to DEAD_LETTER_VALUE_MAX_CHARS. */
  value: z.string().nullable(),
  /** Present only when `value` was cut: the original value's length in characters (the whole message stays in the source topic at `source`). */
  valueLength: z.number().int().positive().optional(),
  failedAt: z.string(),
  consumer: z.string(),
});

export type DeadLetterV1 = z.output<typeof deadLetterV1>;

/**
 * Characters of the original value a dead letter carries. A refused message can be as large as the source topic allows
 * (1 MiB by default); wrapped in the letter's JSON (escapes can grow text sixfold) it could exceed what the DLQ topic
 * accepts, and a letter the broker refuses would block every letter behind it. 100k characters is plenty to see what
 * was wrong; `valueLength` and `source` say where the rest is.
 */
export const DEAD_LETTER_VALUE_MAX_CHARS = 100_000;

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
  const cut = record.value !== null && record.value.length > DEAD_LETTER_VALUE_MAX_CHARS;
  return deadLetterV1.parse({
    code,
    reason,
    issues,
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    key: record.key,
    value: cut ? record.value!.slice(0, DEAD_LETTER_VALUE_MAX_CHARS) : record.value,
    valueLength: cut ? record.value!.length : undefined,
    failedAt: new Date().toISOString(),
    consumer: source.consumer,
  });
}
