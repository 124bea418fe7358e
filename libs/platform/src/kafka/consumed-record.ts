/** A consumed Kafka record as Chorus's consumers handle it: its offset and raw bytes. */
export interface ConsumedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** Key and value as text, for dead letters. */
export function recordText(record: ConsumedRecord): { key: string | null; value: string | null } {
  return { key: record.key?.toString('utf8') ?? null, value: record.value?.toString('utf8') ?? null };
}
