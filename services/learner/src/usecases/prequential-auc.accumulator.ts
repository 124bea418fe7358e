import { AUC_LOGIT_BINS, aucBinOfLogit } from '@chorus/reward';

/** One row of learner_prequential_auc: a model's histograms for a domain, partition and minute of event time. */
export interface PrequentialAucRow {
  domain: string;
  partition: number;
  /** ISO-8601 start of the minute of the events' occurredAt. */
  bucketStart: string;
  model: 'aggregate' | 'personalized';
  positives: number[];
  negatives: number[];
}

const BUCKET_MS = 60_000;

/**
 * The prequential AUC accumulators of one flush (issue #17): each applied event, scored by both models before they
 * learned it, adds its weight (the one the aggregate learned it with, as the prediction log records it) to one logit
 * bin per model (libs/reward binned-auc). Two array increments per event on the apply path; the flush adds the
 * histograms to learner_prequential_auc in the transaction of the offsets, so each event counts once. Bucketed by
 * event time (occurredAt), so a replay lands in the same rows.
 */
export class PrequentialAucAccumulator {
  private buckets = new Map<string, { domain: string; partition: number; bucketStart: number; aggregate: Float64Array[]; personalized: Float64Array[] }>();

  record(domain: string, partition: number, occurredAt: string, y: number, weight: number, logits: { aggregate: number; personalized: number }): void {
    const bucketStart = Math.floor(Date.parse(occurredAt) / BUCKET_MS) * BUCKET_MS;
    if (!Number.isFinite(bucketStart) || !Number.isFinite(logits.aggregate) || !Number.isFinite(logits.personalized)) return;
    const key = `${domain}\u0000${partition}\u0000${bucketStart}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const histogram = () => [new Float64Array(AUC_LOGIT_BINS), new Float64Array(AUC_LOGIT_BINS)];
      this.buckets.set(key, (bucket = { domain, partition, bucketStart, aggregate: histogram(), personalized: histogram() }));
    }
    const positive = weight * y;
    const negative = weight * (1 - y);
    const a = aucBinOfLogit(logits.aggregate);
    const p = aucBinOfLogit(logits.personalized);
    bucket.aggregate[0]![a]! += positive;
    bucket.aggregate[1]![a]! += negative;
    bucket.personalized[0]![p]! += positive;
    bucket.personalized[1]![p]! += negative;
  }

  /** The rows recorded since the last take, and a fresh start. */
  take(): PrequentialAucRow[] {
    const rows: PrequentialAucRow[] = [];
    for (const b of this.buckets.values()) {
      const bucketStart = new Date(b.bucketStart).toISOString();
      for (const model of ['aggregate', 'personalized'] as const) {
        rows.push({ domain: b.domain, partition: b.partition, bucketStart, model, positives: [...b[model][0]!], negatives: [...b[model][1]!] });
      }
    }
    this.buckets = new Map();
    return rows;
  }
}
