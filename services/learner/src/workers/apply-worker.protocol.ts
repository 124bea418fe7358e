import type { IncomingMessage } from '../usecases/apply-feedback.usecase';

/**
 * Messages between the learner's Kafka thread and its apply worker. A batch crosses as four transferable buffers
 * (no per-message structured clone): offsets, and keys and values concatenated with their lengths (-1 = null).
 */
export interface PackedBatch {
  partition: number;
  offsets: Float64Array;
  keyLengths: Int32Array;
  keyBytes: Uint8Array;
  valueLengths: Int32Array;
  valueBytes: Uint8Array;
}

export type ToWorker =
  | ({ type: 'batch'; seq: number } & PackedBatch)
  /** A rebalance: commit what is held, then forget it (partitions may have moved). */
  | { type: 'reassign'; seq: number }
  | { type: 'stop'; seq: number }
  /** Catalogue changes: drop these items from the cache. */
  | { type: 'evict'; itemIds: string[] };

export interface AppliedCounts {
  applied: number;
  duplicates: number;
  redelivered: number;
  deadLettered: number;
}

export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'applied'; seq: number; partition: number; nextOffset: number } & AppliedCounts)
  | { type: 'flushed'; offsets: { partition: number; from: number; to: number }[]; outboxIds: string[]; seconds: number }
  | { type: 'done'; seq: number }
  | { type: 'fatal'; message: string; stack?: string };

export function packBatch(partition: number, messages: readonly { offset: string; key: Buffer | null; value: Buffer | null }[]): PackedBatch {
  const n = messages.length;
  const offsets = new Float64Array(n);
  const keyLengths = new Int32Array(n);
  const valueLengths = new Int32Array(n);
  let keyTotal = 0;
  let valueTotal = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    offsets[i] = Number(m.offset);
    keyLengths[i] = m.key ? m.key.length : -1;
    valueLengths[i] = m.value ? m.value.length : -1;
    keyTotal += m.key?.length ?? 0;
    valueTotal += m.value?.length ?? 0;
  }
  const keyBytes = new Uint8Array(keyTotal);
  const valueBytes = new Uint8Array(valueTotal);
  for (let i = 0, k = 0, v = 0; i < n; i++) {
    const m = messages[i]!;
    if (m.key) keyBytes.set(m.key, k), (k += m.key.length);
    if (m.value) valueBytes.set(m.value, v), (v += m.value.length);
  }
  return { partition, offsets, keyLengths, keyBytes, valueLengths, valueBytes };
}

export function unpackBatch(batch: PackedBatch): IncomingMessage[] {
  const keys = Buffer.from(batch.keyBytes.buffer, batch.keyBytes.byteOffset, batch.keyBytes.byteLength);
  const values = Buffer.from(batch.valueBytes.buffer, batch.valueBytes.byteOffset, batch.valueBytes.byteLength);
  const out: IncomingMessage[] = new Array(batch.offsets.length);
  for (let i = 0, k = 0, v = 0; i < batch.offsets.length; i++) {
    const kl = batch.keyLengths[i]!;
    const vl = batch.valueLengths[i]!;
    out[i] = {
      offset: String(batch.offsets[i]),
      key: kl < 0 ? null : keys.subarray(k, k + kl),
      value: vl < 0 ? null : values.subarray(v, v + vl),
    };
    if (kl > 0) k += kl;
    if (vl > 0) v += vl;
  }
  return out;
}

export function transferList(batch: PackedBatch): ArrayBuffer[] {
  return [batch.offsets.buffer, batch.keyLengths.buffer, batch.keyBytes.buffer, batch.valueLengths.buffer, batch.valueBytes.buffer] as ArrayBuffer[];
}
