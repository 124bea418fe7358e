import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The store of record for the foundation: catalogue, reward models, consumed offsets, API keys. */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE items (
        item_id     text PRIMARY KEY,
        domain      text NOT NULL,
        categories  jsonb NOT NULL,
        stance      double precision,
        features    jsonb,
        title       text,
        version     integer NOT NULL DEFAULT 1,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX items_domain_idx ON items (domain)`);

    // One aggregate posterior per (domain, feedback partition): each shard is owned by exactly one learner at a time and
    // committed with that partition's offsets; readers combine shards by the Gaussian product rule.
    await db.query(`
      CREATE TABLE aggregate_shards (
        domain       text NOT NULL,
        shard        integer NOT NULL,
        state        jsonb NOT NULL,
        events_seen  bigint NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (domain, shard)
      )`);

    // The user's deviation from the aggregate (b_u), its recent event ids (retry dedupe window) and counts.
    await db.query(`
      CREATE TABLE user_models (
        user_id      text NOT NULL,
        domain       text NOT NULL,
        state        jsonb NOT NULL,
        events_seen  integer NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, domain)
      )`);

    // What each user interacted with, appended once per commit as one array per user (not one row per event: row
    // count, not bytes, is what limits Postgres here). Read through the user_items view.
    await db.query(`
      CREATE TABLE user_item_batches (
        user_id     text NOT NULL,
        domain      text NOT NULL,
        item_ids    text[] NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX user_item_batches_user_idx ON user_item_batches (user_id, domain)`);
    await db.query(`
      CREATE VIEW user_items AS
        SELECT DISTINCT b.user_id, b.domain, i.item_id
          FROM user_item_batches b CROSS JOIN LATERAL unnest(b.item_ids) AS i(item_id)`);

    // The learner's own record of what it consumed: committed in the same transaction as the state it produced.
    await db.query(`
      CREATE TABLE consumer_offsets (
        group_id     text NOT NULL,
        topic        text NOT NULL,
        partition    integer NOT NULL,
        next_offset  bigint NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`);

    // Dead letters committed atomically with the offsets that passed them (a transactional outbox); a relay publishes
    // them to chorus.feedback.dlq.v1 and deletes them, so none is lost between the commit and the publish. The letter
    // is JSON text, not jsonb: a refused message may hold a NUL character, which jsonb rejects.
    await db.query(`
      CREATE TABLE dead_letter_outbox (
        id          bigserial PRIMARY KEY,
        group_id    text NOT NULL,
        letter      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);

    // Exactly-once counters of what the learner did, per consumer group and domain.
    await db.query(`
      CREATE TABLE learner_counters (
        group_id       text NOT NULL,
        name           text NOT NULL,
        value          bigint NOT NULL,
        PRIMARY KEY (group_id, name)
      )`);

    // Prequential (score-before-learn) predictions, written only when evaluation logging is on.
    await db.query(`
      CREATE TABLE prequential_predictions (
        event_id        uuid PRIMARY KEY,
        domain          text NOT NULL,
        user_id         text NOT NULL,
        occurred_at     timestamptz NOT NULL,
        label           real NOT NULL,
        weight          real NOT NULL,
        p_aggregate     double precision NOT NULL,
        p_personalized  double precision NOT NULL
      )`);
    await db.query(`CREATE INDEX prequential_predictions_time_idx ON prequential_predictions (domain, occurred_at)`);

    await db.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL UNIQUE,
        key_prefix    text NOT NULL,
        key_hash      text NOT NULL UNIQUE,
        scopes        text[] NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW IF EXISTS user_items');
    for (const table of ['api_keys', 'prequential_predictions', 'learner_counters', 'dead_letter_outbox', 'consumer_offsets', 'user_item_batches', 'user_models', 'aggregate_shards', 'items']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
