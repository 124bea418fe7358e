import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notifier's store (drift-alert subscriptions, issue 5):
 *
 * - `alert_subscriptions`: who wants which alerts, where. Owned by the API key that created them. The signing secret
 *   is kept readable (the notifier must compute HMACs with it; a hash could only compare), encrypted with
 *   NOTIFIER_SECRET_ENCRYPTION_KEY when that is set.
 * - `notifier_alerts`: every alert the notifier consumed, once (unique alert_id), numbered by `seq`. Rows are inserted
 *   under a transaction-scoped advisory lock, so seq order is commit order: a reader that has seen seq N has seen
 *   every alert below N. That is what makes `Last-Event-ID` resumption of the SSE stream gap-free.
 * - `alert_deliveries`: one row per (subscription, alert) — unique, so a replayed alert is never delivered twice —
 *   or per test ping; the delivery log. `enqueued_at` IS NULL marks rows whose BullMQ job is not known to exist yet
 *   (an outbox: a sweeper enqueues them after a crash between commit and enqueue).
 * - `alert_delivery_attempts`: each HTTP attempt of a delivery, with its status or error.
 */
export class AlertSubscriptions1764406800000 implements MigrationInterface {
  name = 'AlertSubscriptions1764406800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE alert_subscriptions (
        id            uuid PRIMARY KEY,
        owner_key_id  uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        description   text,
        url           text NOT NULL,
        secret        text NOT NULL,
        active        boolean NOT NULL DEFAULT true,
        scopes        text[] NOT NULL DEFAULT '{}',
        metrics       text[] NOT NULL DEFAULT '{}',
        severities    text[] NOT NULL DEFAULT '{}',
        domains       text[] NOT NULL DEFAULT '{}',
        subjects      text[] NOT NULL DEFAULT '{}',
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX alert_subscriptions_owner_idx ON alert_subscriptions (owner_key_id, created_at, id)`);

    await db.query(`
      CREATE TABLE notifier_alerts (
        seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id          text NOT NULL UNIQUE,
        scope             text NOT NULL,
        subject           text NOT NULL,
        metric            text NOT NULL,
        severity          text NOT NULL,
        domain            text NOT NULL,
        raised_at         timestamptz NOT NULL,
        body              text NOT NULL,
        source_partition  integer NOT NULL,
        source_offset     bigint NOT NULL,
        received_at       timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE alert_deliveries (
        id                uuid PRIMARY KEY,
        subscription_id   uuid NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
        kind              text NOT NULL CHECK (kind IN ('drift-alert', 'ping')),
        alert_seq         bigint REFERENCES notifier_alerts (seq),
        alert_id          text,
        ping_body         text,
        job_id            text NOT NULL UNIQUE,
        status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'succeeded', 'dead')),
        attempts          integer NOT NULL DEFAULT 0,
        max_attempts      integer NOT NULL,
        last_status_code  integer,
        last_error        text,
        next_attempt_at   timestamptz,
        enqueued_at       timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        completed_at      timestamptz,
        UNIQUE (subscription_id, alert_id),
        CHECK ((kind = 'drift-alert') = (alert_seq IS NOT NULL AND alert_id IS NOT NULL)),
        CHECK ((kind = 'ping') = (ping_body IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX alert_deliveries_log_idx ON alert_deliveries (subscription_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX alert_deliveries_outbox_idx ON alert_deliveries (created_at) WHERE enqueued_at IS NULL`);

    await db.query(`
      CREATE TABLE alert_delivery_attempts (
        delivery_id   uuid NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
        attempt       integer NOT NULL,
        attempted_at  timestamptz NOT NULL DEFAULT now(),
        status_code   integer,
        error         text,
        duration_ms   integer NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['alert_delivery_attempts', 'alert_deliveries', 'notifier_alerts', 'alert_subscriptions']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
