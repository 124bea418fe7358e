import { ApiKeyRepository } from '@chorus/platform';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { incoming } from '../testing/alert-fixtures';
import { AlertsRepository } from './alerts.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { notifierRetentionPolicies } from './retention.policy';
import { SubscriptionsRepository } from './subscriptions.repository';

// Alerts 1–4 are 40 days old; 5 is new. Subscription SUB matches only user u-2 and u-3, so alerts 2 and 3 have
// deliveries: 2's is dead and 40 days final, 3's is still retrying. Retention is 30 days for both tables.
const database = useMigratedDatabase('notifier_retention');
let policies: ReturnType<typeof notifierRetentionPolicies>;
const SUB = '40000000-0000-4000-8000-000000000001';

const seqs = async () => (await database.db.query(`SELECT seq::text AS seq FROM notifier_alerts ORDER BY seq`)).map((r: { seq: string }) => r.seq);

beforeAll(async () => {
  const owner = (await new ApiKeyRepository(database.db).create('owner', ['subscriber'])).record.id;
  await new SubscriptionsRepository(database.db).create({ id: SUB, ownerKeyId: owner, description: null, url: 'https://example.com/hook', secret: 'sealed', active: true, filters: { subjects: ['u-2', 'u-3'] } });
  const { deliveries } = await new AlertsRepository(database.db).storeAndMatch([1, 2, 3, 4, 5].map((n) => incoming(n)), 3);
  const repo = new DeliveriesRepository(database.db);
  const [forTwo, forThree] = deliveries.sort((a, b) => (a.alertId < b.alertId ? -1 : 1));
  await repo.recordAttempt(forTwo!.id, { attempt: 1, statusCode: 500, error: 'HTTP 500', durationMs: 3, outcome: 'retrying', nextAttemptAt: null });
  await repo.recordAttempt(forTwo!.id, { attempt: 2, statusCode: 500, error: 'HTTP 500', durationMs: 3, outcome: 'dead', nextAttemptAt: null });
  await repo.recordAttempt(forThree!.id, { attempt: 1, statusCode: 500, error: 'HTTP 500', durationMs: 3, outcome: 'retrying', nextAttemptAt: null });
  await database.db.query(`UPDATE notifier_alerts SET received_at = now() - interval '40 days' WHERE seq <= 4`);
  await database.db.query(`UPDATE alert_deliveries SET completed_at = now() - interval '40 days' WHERE completed_at IS NOT NULL`);
  policies = notifierRetentionPolicies(database.db, { NOTIFIER_ALERT_RETENTION_DAYS: 30, NOTIFIER_DELIVERY_RETENTION_DAYS: 30 });
});

describe('notifier retention (PostgreSQL)', () => {
  it('deletes final deliveries first, then alerts no delivery refers to any more', () => {
    expect(policies.map((p) => [p.table, p.days])).toEqual([
      ['alert_deliveries', 30],
      ['notifier_alerts', 30],
    ]);
  });

  it('deletes old final deliveries with their attempts, never an open one', async () => {
    expect(await policies[0]!.deleteBatch(30, 100)).toEqual({ alert_deliveries: 1, alert_delivery_attempts: 2 });
    expect((await database.db.query(`SELECT status FROM alert_deliveries`)).map((r: { status: string }) => r.status)).toEqual(['retrying']);
    expect(await policies[0]!.deleteBatch(30, 100)).toEqual({ alert_deliveries: 0, alert_delivery_attempts: 0 });
  });

  it('deletes old alerts oldest first, up to the limit, keeping one a delivery still needs, and raises the retention mark', async () => {
    expect(await policies[1]!.deleteBatch(30, 2)).toEqual({ notifier_alerts: 2 });
    expect(await seqs()).toEqual(['3', '4', '5']);
    expect(await new AlertsRepository(database.db).deletedThrough()).toBe('2');
    expect(await policies[1]!.deleteBatch(30, 100)).toEqual({ notifier_alerts: 1 });
    expect(await seqs()).toEqual(['3', '5']);
    expect(await new AlertsRepository(database.db).deletedThrough()).toBe('4');
  });

  it('a batch that deletes nothing leaves the mark as it was', async () => {
    expect(await policies[1]!.deleteBatch(30, 100)).toEqual({ notifier_alerts: 0 });
    expect(await new AlertsRepository(database.db).deletedThrough()).toBe('4');
  });
});
