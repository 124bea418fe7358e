import { driftAlertKey, type DriftAlertV1 } from '@chorus/contracts';
import type { DeadLetterV1 } from '@chorus/contracts';
import { DeadLetterOutbox, PartitionFencedError, returnedRows } from '@chorus/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { AlertCandidate, DriftSnapshot } from '../engine/drift-state';
import type { StoredPopulationShard } from '../engine/population-shard';
import type { StoredUserDriftState } from '../engine/user-drift-state';
import { decodeUserState } from '../engine/user-state.codec';

export interface FlushResult {
  /** Alerts inserted by this commit (to publish); repeats folded into an open alert are not in it. */
  raised: DriftAlertV1[];
  folded: number;
}

/**
 * drift-watch's store of record. Metric and detector state, series points, alerts, dead letters (the outbox) and the
 * consumed offsets are written in ONE transaction; the offset update is conditional on the offset we started from (a fence). So a crash replays
 * nothing into the state twice, loses nothing, and re-raises no alert; a zombie instance that lost its partitions
 * cannot overwrite the new owner's state.
 */
export class DriftStateRepository {
  private readonly deadLetters: DeadLetterOutbox;

  constructor(
    private readonly db: DataSource,
    private readonly groupId: string,
    private readonly cooldownMs: number,
  ) {
    this.deadLetters = new DeadLetterOutbox(db, groupId);
  }

  async loadUsers(keys: { userId: string; domain: string }[]): Promise<Map<string, StoredUserDriftState>> {
    const out = new Map<string, StoredUserDriftState>();
    if (keys.length === 0) return out;
    const rows: { user_id: string; domain: string; state: Buffer }[] = await this.db.query(
      `SELECT s.user_id, s.domain, s.state
         FROM drift_user_state s JOIN unnest($1::text[], $2::text[]) AS k(user_id, domain) USING (user_id, domain)`,
      [keys.map((k) => k.userId), keys.map((k) => k.domain)],
    );
    for (const row of rows) out.set(`${row.user_id}\u0001${row.domain}`, decodeUserState(row.state));
    return out;
  }

  /** The stored resume points of one partition number in each topic (created at 0) and its population shards. */
  async loadPartition(partition: number, topics: string[]): Promise<{ offsets: { topic: string; nextOffset: number }[]; shards: { domain: string; state: StoredPopulationShard }[] }> {
    await this.db.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
       SELECT $1, t, $3, 0 FROM unnest($2::text[]) AS t ON CONFLICT DO NOTHING`,
      [this.groupId, topics, partition],
    );
    const offsets: { topic: string; next_offset: string }[] = await this.db.query(
      `SELECT topic, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = ANY($2::text[]) AND partition = $3`,
      [this.groupId, topics, partition],
    );
    const shards: { domain: string; state: StoredPopulationShard }[] = await this.db.query(
      `SELECT domain, state FROM drift_population_state WHERE shard = $1`,
      [partition],
    );
    return { offsets: offsets.map((o) => ({ topic: o.topic, nextOffset: Number(o.next_offset) })), shards };
  }

  /** Commit a snapshot, with the dead letters of the messages its offsets pass (the transport relays them after). */
  async flush(snapshot: DriftSnapshot, deadLetters: readonly DeadLetterV1[] = []): Promise<FlushResult> {
    return this.db.transaction(async (tx) => {
      await this.advanceOffsets(tx, snapshot.offsets);
      await this.deadLetters.insert(tx, deadLetters);
      if (snapshot.users.length) {
        const u = snapshot.users;
        // The states travel as one binary parameter cut by (offset, length) in SQL, not as a bytea[]: node-postgres
        // sends an array as text, hex-encoding and escaping every state, which cost more CPU per user than the
        // engine's work when each commit writes a row per event (many users, few events each).
        const lengths = u.map((x) => x.state.length);
        const starts: number[] = [];
        let at = 1;
        for (const length of lengths) {
          starts.push(at);
          at += length;
        }
        await tx.query(
          `INSERT INTO drift_user_state (user_id, domain, state, events_seen, updated_at)
           SELECT u, d, substring($3::bytea FROM o FOR n), e, now()
             FROM unnest($1::text[], $2::text[], $4::int[], $5::int[], $6::int[]) AS t(u, d, o, n, e)
           ON CONFLICT (user_id, domain) DO UPDATE SET state = EXCLUDED.state, events_seen = EXCLUDED.events_seen, updated_at = now()`,
          [u.map((x) => x.userId), u.map((x) => x.domain), Buffer.concat(u.map((x) => x.state)), starts, lengths, u.map((x) => x.events)],
        );
      }
      if (snapshot.shards.length) {
        const s = snapshot.shards;
        await tx.query(
          `INSERT INTO drift_population_state (domain, shard, state, updated_at)
           SELECT d, p, s::jsonb, now() FROM unnest($1::text[], $2::int[], $3::text[]) AS t(d, p, s)
           ON CONFLICT (domain, shard) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`,
          [s.map((x) => x.domain), s.map((x) => x.shard), s.map((x) => x.state)],
        );
      }
      if (snapshot.userPoints.length) {
        const p = snapshot.userPoints;
        await tx.query(
          `INSERT INTO drift_user_series (user_id, domain, metric, bucket_start, value)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::float8[])
           ON CONFLICT (user_id, domain, metric, bucket_start) DO UPDATE SET value = EXCLUDED.value`,
          [p.map((x) => x.userId), p.map((x) => x.domain), p.map((x) => x.metric), p.map((x) => new Date(x.bucketStart).toISOString()), p.map((x) => x.value)],
        );
      }
      if (snapshot.populationPoints.length) {
        const p = snapshot.populationPoints;
        await tx.query(
          `INSERT INTO drift_population_series (domain, metric, shard, bucket_start, value, users, events)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::float8[], $6::int[], $7::int[])
           ON CONFLICT (domain, metric, shard, bucket_start) DO UPDATE SET value = EXCLUDED.value, users = EXCLUDED.users, events = EXCLUDED.events`,
          [
            p.map((x) => x.domain),
            p.map((x) => x.metric),
            p.map((x) => x.shard),
            p.map((x) => new Date(x.bucketStart).toISOString()),
            p.map((x) => x.value),
            p.map((x) => x.users),
            p.map((x) => x.events),
          ],
        );
      }
      if (snapshot.segmentPoints.length) {
        const p = snapshot.segmentPoints;
        await tx.query(
          `INSERT INTO drift_segment_series (domain, segment, metric, shard, bucket_start, value, users)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::float8[], $7::int[])
           ON CONFLICT (domain, segment, metric, shard, bucket_start) DO UPDATE SET value = EXCLUDED.value, users = EXCLUDED.users`,
          [
            p.map((x) => x.domain),
            p.map((x) => x.segment),
            p.map((x) => x.metric),
            p.map((x) => x.shard),
            p.map((x) => new Date(x.bucketStart).toISOString()),
            p.map((x) => x.value),
            p.map((x) => x.users),
          ],
        );
      }
      return this.recordAlerts(tx, snapshot.alerts);
    });
  }

  /**
   * Inserts each alert, or folds it into the latest unacknowledged alert (the gateway records acknowledgements) of the same (scope, subject, domain, metric)
   * whose last occurrence is within the cooldown (event time). A per-key advisory lock serialises instances raising
   * the same key (population alerts come from every partition); candidates are taken in key order so two commits
   * cannot wait on each other's locks. An alert id seen before (a replay) changes nothing.
   */
  private async recordAlerts(tx: EntityManager, candidates: AlertCandidate[]): Promise<FlushResult> {
    const result: FlushResult = { raised: [], folded: 0 };
    const ordered = [...candidates].sort((a, b) => {
      const ka = foldKey(a.alert);
      const kb = foldKey(b.alert);
      return ka < kb ? -1 : ka > kb ? 1 : a.eventAtMs - b.eventAtMs;
    });
    for (const { alert, eventAtMs, source } of ordered) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`drift_alerts:${foldKey(alert)}`]);
      const eventAt = new Date(eventAtMs).toISOString();
      const open: { alert_id: string }[] = await tx.query(
        `SELECT alert_id FROM drift_alerts
          WHERE scope = $1 AND subject = $2 AND domain = $3 AND metric = $4
            AND NOT EXISTS (SELECT 1 FROM drift_alert_acknowledgements k WHERE k.alert_id = drift_alerts.alert_id)
            AND abs(extract(epoch FROM (last_event_at - $5::timestamptz))) * 1000 < $6
          ORDER BY last_event_at DESC LIMIT 1`,
        [alert.scope, alert.subject, alert.domain, alert.metric, eventAt, this.cooldownMs],
      );
      if (open[0] && open[0].alert_id !== alert.alertId) {
        await tx.query(
          `UPDATE drift_alerts SET occurrences = occurrences + 1, last_seen_at = now(),
                  last_event_at = greatest(last_event_at, $2::timestamptz), last_value = $3
            WHERE alert_id = $1`,
          [open[0].alert_id, eventAt, alert.value],
        );
        result.folded++;
        continue;
      }
      const inserted = returnedRows<{ alert_id: string }>(
        await tx.query(
          `INSERT INTO drift_alerts (alert_id, scope, subject, domain, metric, detector, direction, value, baseline, severity,
                                     window_start, window_end, config_version, payload, raised_at, last_seen_at, last_event_at,
                                     last_value, rerank_requested, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, now(), $16, $8, $17, $18)
           ON CONFLICT (alert_id) DO NOTHING RETURNING alert_id`,
          [
            alert.alertId,
            alert.scope,
            alert.subject,
            alert.domain,
            alert.metric,
            alert.detector,
            alert.direction,
            alert.value,
            alert.baseline,
            alert.severity,
            alert.window.start,
            alert.window.end,
            alert.configVersion,
            JSON.stringify(alert),
            alert.raisedAt,
            eventAt,
            alert.rerankRequested,
            source,
          ],
        ),
      );
      if (inserted.length > 0) result.raised.push(alert);
    }
    return result;
  }

  private async advanceOffsets(tx: EntityManager, offsets: DriftSnapshot['offsets']): Promise<void> {
    if (offsets.length === 0) return;
    const advanced = returnedRows<{ topic: string; partition: number }>(
      await tx.query(
        `UPDATE consumer_offsets c SET next_offset = t.next, updated_at = now()
           FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS t(topic, p, expected, next)
          WHERE c.group_id = $1 AND c.topic = t.topic AND c.partition = t.p AND c.next_offset = t.expected
          RETURNING c.topic, c.partition`,
        [this.groupId, offsets.map((o) => o.topic), offsets.map((o) => o.partition), offsets.map((o) => o.from), offsets.map((o) => o.to)],
      ),
    );
    if (advanced.length !== offsets.length) {
      const ok = new Set(advanced.map((a) => `${a.topic}[${a.partition}]`));
      throw new PartitionFencedError('DRIFT.PARTITION_FENCED', 'drift-watch instance', offsets.map((o) => `${o.topic}[${o.partition}]`).filter((k) => !ok.has(k)));
    }
  }
}

const foldKey = (alert: DriftAlertV1) => `${driftAlertKey(alert)}:${alert.metric}`;
