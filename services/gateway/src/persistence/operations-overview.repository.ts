import { DEAD_LETTER_COUNTER_PREFIX } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

/** The summed prequential AUC histograms of one model in one (wider) bucket. */
export interface AucHistogramBucket {
  bucketStart: string;
  model: 'aggregate' | 'personalized';
  positives: number[];
  negatives: number[];
}

/** The console overview's reads of the learner's tables (the gateway is their declared reader). */
export class OperationsOverviewRepository {
  constructor(
    private readonly db: DataSource,
    private readonly learnerGroup: string,
  ) {}

  /** The learner group's dead letters per code, and in all (counted before codes were, too). */
  async deadLettersByCode(): Promise<{ total: number; codes: { code: string; count: number }[] }> {
    const rows: { name: string; value: string }[] = await this.db.query(
      `SELECT name, value FROM learner_counters WHERE group_id = $1 AND (name = 'dead_lettered' OR starts_with(name, $2)) ORDER BY value DESC, name`,
      [this.learnerGroup, DEAD_LETTER_COUNTER_PREFIX],
    );
    const total = rows.find((r) => r.name === 'dead_lettered');
    return {
      total: Number(total?.value ?? 0),
      codes: rows.filter((r) => r !== total).map((r) => ({ code: r.name.slice(DEAD_LETTER_COUNTER_PREFIX.length), count: Number(r.value) })),
    };
  }

  /** Start of the newest minute with prequential scores in the domain, or undefined when there is none. */
  async latestAucBucket(domain: string): Promise<Date | undefined> {
    const [row]: { latest: Date | null }[] = await this.db.query(`SELECT max(bucket_start) AS latest FROM learner_prequential_auc WHERE domain = $1`, [domain]);
    return row?.latest ?? undefined;
  }

  /** Histograms summed over partitions and over the minutes of each `bucketSeconds` bucket in [from, to). */
  async aucHistograms(domain: string, bucketSeconds: number, from: Date, to: Date): Promise<AucHistogramBucket[]> {
    const rows: { bucket: Date; model: 'aggregate' | 'personalized'; positives: number[]; negatives: number[] }[] = await this.db.query(
      `WITH cells AS (
         SELECT date_bin(make_interval(secs => $2), a.bucket_start, 'epoch') AS bucket, a.model, t.i, sum(t.p) AS p, sum(t.n) AS n
           FROM learner_prequential_auc a CROSS JOIN LATERAL unnest(a.positives, a.negatives) WITH ORDINALITY AS t(p, n, i)
          WHERE a.domain = $1 AND a.bucket_start >= $3 AND a.bucket_start < $4
          GROUP BY 1, 2, 3)
       SELECT bucket, model, array_agg(p ORDER BY i) AS positives, array_agg(n ORDER BY i) AS negatives
         FROM cells GROUP BY bucket, model ORDER BY bucket, model`,
      [domain, bucketSeconds, from, to],
    );
    return rows.map((r) => ({ bucketStart: r.bucket.toISOString(), model: r.model, positives: r.positives.map(Number), negatives: r.negatives.map(Number) }));
  }
}
