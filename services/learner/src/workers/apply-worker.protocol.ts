import type { ConsumedRecord } from '@chorus/platform';

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
  /** After a fence: forget everything held, uncommitted batches included, and commit nothing of it. */
  | { type: 'reload'; seq: number }
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
  /** Something the Kafka thread's logger should say (the worker has none). */
  | { type: 'log'; level: 'warn' | 'error'; message: string; fields: Record<string, unknown> }
  | { type: 'fatal'; message: string; stack?: string }
  /** A commit was fenced: the worker holds still (applies and commits nothing) until it is told to reload. */
  | { type: 'fenced'; code: string; owner: string; partitions: (number | string)[] };

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

/**
 * The worker's zero-copy view of a packed batch: record i's value is bytes [valueStart[i], valueEnd[i]) of one
 * buffer, decoded to text once per batch (latin1: one char per byte, so byte offsets are string offsets) instead of
 * once per record. Per-record Buffers and strings are only made for the rare record that needs them.
 */
export class BatchView {
  readonly length: number;
  private readonly valueStart: Int32Array;
  private readonly keyStart: Int32Array;
  private readonly values: Buffer;
  private readonly keys: Buffer;
  private latin1?: string;

  constructor(readonly batch: PackedBatch) {
    const n = batch.offsets.length;
    this.length = n;
    this.valueStart = new Int32Array(n);
    this.keyStart = new Int32Array(n);
    for (let i = 0, k = 0, v = 0; i < n; i++) {
      this.keyStart[i] = k;
      this.valueStart[i] = v;
      if (batch.keyLengths[i]! > 0) k += batch.keyLengths[i]!;
      if (batch.valueLengths[i]! > 0) v += batch.valueLengths[i]!;
    }
    this.values = Buffer.from(batch.valueBytes.buffer, batch.valueBytes.byteOffset, batch.valueBytes.byteLength);
    this.keys = Buffer.from(batch.keyBytes.buffer, batch.keyBytes.byteOffset, batch.keyBytes.byteLength);
  }

  offset(i: number): number {
    return this.batch.offsets[i]!;
  }

  /** The whole batch's values as latin1 text; record i is text[valueStart(i), valueEnd(i)). */
  get text(): string {
    return (this.latin1 ??= this.values.toString('latin1'));
  }

  hasValue(i: number): boolean {
    return this.batch.valueLengths[i]! >= 0;
  }

  valueStartOf(i: number): number {
    return this.valueStart[i]!;
  }

  valueEndOf(i: number): number {
    return this.valueStart[i]! + Math.max(0, this.batch.valueLengths[i]!);
  }

  /** Record i's value as UTF-8 text (null for a null value). */
  utf8Value(i: number): string | null {
    return this.hasValue(i) ? this.values.toString('utf8', this.valueStartOf(i), this.valueEndOf(i)) : null;
  }

  /** Record i as a consumer record (for dead letters: the rare path). */
  record(i: number): ConsumedRecord {
    const kl = this.batch.keyLengths[i]!;
    const vl = this.batch.valueLengths[i]!;
    return {
      offset: String(this.offset(i)),
      key: kl < 0 ? null : this.keys.subarray(this.keyStart[i]!, this.keyStart[i]! + kl),
      value: vl < 0 ? null : this.values.subarray(this.valueStart[i]!, this.valueStart[i]! + vl),
    };
  }
}

export function transferList(batch: PackedBatch): ArrayBuffer[] {
  return [batch.offsets.buffer, batch.keyLengths.buffer, batch.keyBytes.buffer, batch.valueLengths.buffer, batch.valueBytes.buffer] as ArrayBuffer[];
}
