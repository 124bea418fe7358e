import { DEAD_LETTERING_SERVICES } from '@chorus/contracts';
import type { DataSource } from 'typeorm';

export type DeadLetteringService = (typeof DEAD_LETTERING_SERVICES)[number];

/** The summed prequential AUC histograms of one model in one (wider) bucket. */
export interface AucHistogramBucket {
  bucketStart: string;
  model: 'aggregate' | 'personalized';
  positives: number[];
  negatives: number[];
}

/** The console overview's reads of the learner's AUC histograms and of every consumer's dead-letter counts (the gateway is their declared reader). */
export class OperationsOverviewRepository {
  constructor(
    private readonly db: DataSource,
    /** Each dead-lettering service's consumer group: other groups' counts (tests, old deployments) are not shown. */
    private readonly groups: Record<DeadLetteringService, string>,
  ) {}

  /** Dead letters per service and code, most first. */
  async deadLettersByCode(): Promise<{ service: DeadLetteringService; code: string; count: number }[]> {
    const rows: { service: DeadLetteringService; code: string; count: string }[] = await this.db.query(
      `SELECT g.service, c.code, c.count FROM dead_letter_counts c JOIN unnest($1::text[], $2::text[]) AS g(service, group_id) USING (group_id)
        ORDER BY c.count DESC, g.service, c.code`,
      [DEAD_LETTERING_SERVICES, DEAD_LETTERING_SERVICES.map((service) => this.groups[service])],
    );
    return rows.map((r) => ({ service: r.service, code: r.code, count: Number(r.count) }));
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
