import { DeadLetterOutbox, PartitionFencedError, returnedRows } from '@chorus/platform';
import { decodeUserModelState, type StoredItemVarianceEvidence } from '@chorus/scoring';
import type { DiagonalGaussianLogisticJSON, DonorProfile } from '@chorus/reward';
import type { DataSource, EntityManager } from 'typeorm';
import type { FlushSnapshot, StoredPoolingEvidence, StoredUserState } from '../usecases/learner-state';
import { decodeDedupeWindow } from './dedupe-window.codec';

/**
 * The learner's store of record. Model state and consumed offsets are written in ONE transaction, and the offset
 * update is conditional on the offset we started from (a fence): a crash replays nothing twice, loses nothing, and a
 * zombie learner that lost its partitions cannot overwrite the new owner's state.
 */
export class LearnerStateRepository {
  private readonly deadLetters: DeadLetterOutbox;

  constructor(
    private readonly db: DataSource,
    private readonly groupId: string,
    private readonly topic: string,
  ) {
    this.deadLetters = new DeadLetterOutbox(db, groupId);
  }

  /** Stored users, keyed `${userId}\u0001${domain}`, with the number of interaction rows each has. */
  async loadUsers(keys: { userId: string; domain: string }[]): Promise<Map<string, { state: StoredUserState; eventsSeen: number; interactionRows: number }>> {
    const out = new Map<string, { state: StoredUserState; eventsSeen: number; interactionRows: number }>();
    if (keys.length === 0) return out;
    const rows: {
      user_id: string;
      domain: string;
      state: Buffer;
      recent_event_keys: Buffer | null;
      events_seen: number;
      interaction_rows: number;
    }[] = await this.db.query(
      `SELECT m.user_id, m.domain, m.state, m.recent_event_keys, m.events_seen,
              (SELECT count(*)::int FROM user_item_batches b WHERE b.user_id = m.user_id AND b.domain = m.domain) AS interaction_rows
         FROM user_models m JOIN unnest($1::text[], $2::text[]) AS k(user_id, domain) USING (user_id, domain)`,
      [keys.map((k) => k.userId), keys.map((k) => k.domain)],
    );
    for (const row of rows) {
      // The migration to binary states moved every window into recent_event_keys; a row without one has none yet.
      const recentEventIds = row.recent_event_keys ? decodeDedupeWindow(row.recent_event_keys) : [];
      out.set(`${row.user_id}\u0001${row.domain}`, { state: { ...decodeUserModelState(row.state), recentEventIds }, eventsSeen: row.events_seen, interactionRows: row.interaction_rows });
    }
    return out;
  }

  /** The stored resume point of a partition, 0 when nothing was ever committed for it. Read-only. */
  async storedNextOffset(partition: number): Promise<number> {
    const [row]: { next_offset: string }[] = await this.db.query(
      `SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [this.groupId, this.topic, partition],
    );
    return row ? Number(row.next_offset) : 0;
  }

  /** The stored resume point of a partition (created at 0 the first time), its aggregate shards and reliability pair counts. */
  async loadPartition(partition: number): Promise<{
    nextOffset: number;
    shards: {
      domain: string;
      state: DiagonalGaussianLogisticJSON;
      evidence: StoredPoolingEvidence | null;
      itemEvidence: StoredItemVarianceEvidence | null;
      donors: DonorProfile[] | null;
      eventsSeen: number;
    }[];
    reliabilityPairs: { domain: string; itemA: string; itemB: string; n: number; a: number }[];
  }> {
    await this.db.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`,
      [this.groupId, this.topic, partition],
    );
    const [offset]: { next_offset: string }[] = await this.db.query(
      `SELECT next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [this.groupId, this.topic, partition],
    );
    const shards: {
      domain: string;
      state: DiagonalGaussianLogisticJSON;
      pooling_evidence: StoredPoolingEvidence | null;
      item_variance_evidence: StoredItemVarianceEvidence | null;
      donor_pool: DonorProfile[] | null;
      events_seen: string;
    }[] = await this.db.query(
      `SELECT domain, state, pooling_evidence, item_variance_evidence, donor_pool, events_seen FROM aggregate_shards WHERE shard = $1`,
      [partition],
    );
    const pairs: { domain: string; item_a: string; item_b: string; n: string; a: number }[] = await this.db.query(
      `SELECT domain, item_a, item_b, n, a FROM reliability_pair_counts WHERE shard = $1`,
      [partition],
    );
    return {
      nextOffset: Number(offset!.next_offset),
      shards: shards.map((s) => ({
        domain: s.domain,
        state: s.state,
        evidence: s.pooling_evidence,
        itemEvidence: s.item_variance_evidence,
        donors: s.donor_pool,
        eventsSeen: Number(s.events_seen),
      })),
      reliabilityPairs: pairs.map((p) => ({ domain: p.domain, itemA: p.item_a, itemB: p.item_b, n: Number(p.n), a: p.a })),
    };
  }

  /** Commit a snapshot; returns the outbox ids of its dead letters, for the relay. */
  async flush(snapshot: FlushSnapshot): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await this.advanceOffsets(tx, snapshot.offsets);
      if (snapshot.users.length) await this.upsertUsers(tx, snapshot.users);
      if (snapshot.shards.length) {
        await tx.query(
          `INSERT INTO aggregate_shards (domain, shard, state, pooling_evidence, donor_pool, item_variance_evidence, events_seen, updated_at)
           SELECT d, p, s::jsonb, x::jsonb, o::jsonb, i::jsonb, e, now()
             FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS t(d, p, s, x, e, o, i)
           ON CONFLICT (domain, shard) DO UPDATE
             SET state = EXCLUDED.state, pooling_evidence = EXCLUDED.pooling_evidence, donor_pool = EXCLUDED.donor_pool,
                 item_variance_evidence = EXCLUDED.item_variance_evidence, events_seen = EXCLUDED.events_seen, updated_at = now()`,
          [
            snapshot.shards.map((s) => s.domain),
            snapshot.shards.map((s) => s.partition),
            snapshot.shards.map((s) => s.state),
            snapshot.shards.map((s) => s.evidence ?? null),
            snapshot.shards.map((s) => s.eventsSeen),
            snapshot.shards.map((s) => s.donors ?? null),
            snapshot.shards.map((s) => s.itemEvidence ?? null),
          ],
        );
      }
      if (snapshot.reliabilityPairs.length) {
        const pairs = snapshot.reliabilityPairs;
        await tx.query(
          `INSERT INTO reliability_pair_counts (domain, shard, item_a, item_b, n, a, updated_at)
           SELECT d, p, x, y, n, a, now() FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::float8[]) AS t(d, p, x, y, n, a)
           ON CONFLICT (domain, shard, item_a, item_b) DO UPDATE SET n = EXCLUDED.n, a = EXCLUDED.a, updated_at = now()`,
          [pairs.map((c) => c.domain), pairs.map((c) => c.partition), pairs.map((c) => c.itemA), pairs.map((c) => c.itemB), pairs.map((c) => c.n), pairs.map((c) => c.a)],
        );
      }
      if (snapshot.interactions.length) {
        await tx.query(
          `INSERT INTO user_item_batches (user_id, domain, item_ids)
           SELECT x.u, x.d, ARRAY(SELECT jsonb_array_elements_text(x.i)) FROM jsonb_to_recordset($1::jsonb) AS x(u text, d text, i jsonb)`,
          [JSON.stringify(snapshot.interactions.map((i) => ({ u: i.userId, d: i.domain, i: i.itemIds })))],
        );
      }
      if (snapshot.compactInteractions.length) {
        // After this commit's rows are in: each listed user's rows become one, with each item once.
        await tx.query(
          `WITH merged AS (
             DELETE FROM user_item_batches b USING unnest($1::text[], $2::text[]) AS k(u, d)
              WHERE b.user_id = k.u AND b.domain = k.d
             RETURNING b.user_id, b.domain, b.item_ids)
           INSERT INTO user_item_batches (user_id, domain, item_ids)
           SELECT user_id, domain, array_agg(DISTINCT item_id ORDER BY item_id)
             FROM merged CROSS JOIN LATERAL unnest(item_ids) AS i(item_id) GROUP BY user_id, domain`,
          [snapshot.compactInteractions.map((u) => u.userId), snapshot.compactInteractions.map((u) => u.domain)],
        );
      }
      if (snapshot.predictions.length) {
        const p = snapshot.predictions;
        await tx.query(
          `INSERT INTO prequential_predictions (event_id, domain, user_id, occurred_at, label, weight, p_aggregate, p_personalized)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::real[], $6::real[], $7::float8[], $8::float8[])
           ON CONFLICT DO NOTHING`,
          [p.map((x) => x.eventId), p.map((x) => x.domain), p.map((x) => x.userId), p.map((x) => x.occurredAt), p.map((x) => x.label), p.map((x) => x.weight), p.map((x) => x.pAggregate), p.map((x) => x.pPersonalized)],
        );
      }
      if (snapshot.auc.length) {
        // Histograms add bin by bin; rows sorted so concurrent flushes of one group lock them in one order.
        const rows = [...snapshot.auc].sort((a, b) => (a.domain + a.bucketStart + a.partition + a.model < b.domain + b.bucketStart + b.partition + b.model ? -1 : 1));
        await tx.query(
          `INSERT INTO learner_prequential_auc (domain, partition, bucket_start, model, positives, negatives)
           SELECT x.d, x.p, x.b, x.m,
                  ARRAY(SELECT v::float8 FROM jsonb_array_elements_text(x.pos) WITH ORDINALITY AS e(v, i) ORDER BY i),
                  ARRAY(SELECT v::float8 FROM jsonb_array_elements_text(x.neg) WITH ORDINALITY AS e(v, i) ORDER BY i)
             FROM jsonb_to_recordset($1::jsonb) AS x(d text, p int, b timestamptz, m text, pos jsonb, neg jsonb)
           ON CONFLICT (domain, bucket_start, partition, model) DO UPDATE SET
             positives = ARRAY(SELECT a + b FROM unnest(learner_prequential_auc.positives, EXCLUDED.positives) WITH ORDINALITY AS t(a, b, i) ORDER BY i),
             negatives = ARRAY(SELECT a + b FROM unnest(learner_prequential_auc.negatives, EXCLUDED.negatives) WITH ORDINALITY AS t(a, b, i) ORDER BY i)`,
          [JSON.stringify(rows.map((r) => ({ d: r.domain, p: r.partition, b: r.bucketStart, m: r.model, pos: r.positives, neg: r.negatives })))],
        );
      }
      const outboxIds = await this.deadLetters.insert(tx, snapshot.deadLetters);
      // Sorted: learners of one group commit concurrently and share these rows, so they must lock them in one order.
      const counters = Object.entries(snapshot.counters).sort(([a], [b]) => (a < b ? -1 : 1));
      if (counters.length) {
        await tx.query(
          `INSERT INTO learner_counters (group_id, name, value)
           SELECT $1, n, v FROM unnest($2::text[], $3::bigint[]) AS t(n, v)
           ON CONFLICT (group_id, name) DO UPDATE SET value = learner_counters.value + EXCLUDED.value`,
          [this.groupId, counters.map(([name]) => name), counters.map(([, value]) => value)],
        );
      }
      return outboxIds;
    });
  }

  /**
   * All users of a snapshot in one statement. Their states travel as two byte strings sliced in SQL (per user: an
   * offset and a length) rather than as arrays: a bytea[] parameter is a text literal of escaped hex that costs
   * Postgres and the driver more than the rows themselves.
   */
  private async upsertUsers(tx: EntityManager, users: FlushSnapshot['users']): Promise<void> {
    const states = Buffer.concat(users.map((u) => u.state));
    const windows = Buffer.concat(users.map((u) => u.recentEventKeys));
    const stateAt = new Array<number>(users.length);
    const stateLength = new Array<number>(users.length);
    const windowAt = new Array<number>(users.length);
    for (let i = 0, w = 1, k = 1; i < users.length; i++) {
      const length = users[i]!.state.length;
      stateAt[i] = w;
      stateLength[i] = length;
      windowAt[i] = k;
      w += length;
      k += users[i]!.recentEventKeys.length;
    }
    await tx.query(
      `INSERT INTO user_models (user_id, domain, state, recent_event_keys, events_seen, updated_at)
       SELECT u, d, substring($3::bytea FROM sa FOR sl), substring($6::bytea FROM ka FOR kl), e, now()
         FROM unnest($1::text[], $2::text[], $4::int[], $5::int[], $7::int[], $8::int[], $9::int[]) AS t(u, d, sa, sl, ka, kl, e)
       ON CONFLICT (user_id, domain) DO UPDATE
         SET state = EXCLUDED.state, recent_event_keys = EXCLUDED.recent_event_keys, events_seen = EXCLUDED.events_seen, updated_at = now()`,
      [
        users.map((u) => u.userId),
        users.map((u) => u.domain),
        states,
        stateAt,
        stateLength,
        windows,
        windowAt,
        users.map((u) => u.recentEventKeys.length),
        users.map((u) => u.eventsSeen),
      ],
    );
  }

  async counters(): Promise<Record<string, number>> {
    const rows: { name: string; value: string }[] = await this.db.query(`SELECT name, value FROM learner_counters WHERE group_id = $1`, [this.groupId]);
    return Object.fromEntries(rows.map((r) => [r.name, Number(r.value)]));
  }

  private async advanceOffsets(tx: EntityManager, offsets: FlushSnapshot['offsets']): Promise<void> {
    if (offsets.length === 0) return;
    const advanced = returnedRows<{ partition: number }>(await tx.query(
      `UPDATE consumer_offsets c SET next_offset = t.next, updated_at = now()
         FROM unnest($3::int[], $4::bigint[], $5::bigint[]) AS t(p, expected, next)
        WHERE c.group_id = $1 AND c.topic = $2 AND c.partition = t.p AND c.next_offset = t.expected
        RETURNING c.partition`,
      [this.groupId, this.topic, offsets.map((o) => o.partition), offsets.map((o) => o.from), offsets.map((o) => o.to)],
    ));
    if (advanced.length !== offsets.length) {
      const ok = new Set(advanced.map((a) => a.partition));
      throw new PartitionFencedError('LEARNER.PARTITION_FENCED', 'learner', offsets.map((o) => o.partition).filter((p) => !ok.has(p)));
    }
  }
}
