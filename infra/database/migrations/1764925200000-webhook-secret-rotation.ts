import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook secret rotation with a grace period. When a subscription's secret is replaced, the one it replaces moves to
 * `previous_secret` (sealed like `secret`) and stays valid until `previous_secret_expires_at`: meanwhile every delivery
 * is signed with both, so a receiver can switch to the new secret at its own pace. Both columns are null together.
 */
export class WebhookSecretRotation1764925200000 implements MigrationInterface {
  name = 'WebhookSecretRotation1764925200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE alert_subscriptions
        ADD COLUMN previous_secret            text,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT alert_subscriptions_previous_secret_expiry CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE alert_subscriptions
        DROP CONSTRAINT IF EXISTS alert_subscriptions_previous_secret_expiry,
        DROP COLUMN IF EXISTS previous_secret_expires_at,
        DROP COLUMN IF EXISTS previous_secret`);
  }
}
