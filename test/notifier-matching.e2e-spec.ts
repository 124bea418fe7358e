import { randomUUID } from 'node:crypto';
import { alertMatchesFilters, DRIFT_SCOPES, DRIFT_SEVERITIES, type AlertFiltersV1, type DriftAlertV1 } from '@chorus/contracts';
import { ApiKeyRepository, createDataSource } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsRepository, type IncomingAlert } from '../services/notifier/src/persistence/alerts.repository';
import type { SubscriptionsRepository } from '../services/notifier/src/persistence/subscriptions.repository';
import { mulberry32 } from '@chorus/random';
import { driftAlert, openNotifierStore } from './support/notifier';
import { TestStack } from './support/test-stack';

/**
 * The notifier's store on a real, migrated Postgres (no Kafka, no HTTP): the SQL that matches alerts to subscriptions
 * and filters the stream replay agrees with the contract's `alertMatchesFilters` on a generated grid (oracle test),
 * replays create nothing, and the sequence never lets a reader skip an alert under concurrent writers.
 */
describe('notifier store: matching and sequence', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;
  let alerts: AlertsRepository;
  let subscriptions: SubscriptionsRepository;
  let owner: string;
  const rand = mulberry32(5);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rand() * values.length)]!;
  const some = <T>(values: readonly T[]): T[] => (rand() < 0.4 ? [] : values.filter(() => rand() < 0.5));

  const incoming = (alert: DriftAlertV1, offset: number): IncomingAlert => ({ alert, body: JSON.stringify(alert), partition: 0, offset: String(offset) });
  const grid = (count: number, seed: number): DriftAlertV1[] =>
    Array.from({ length: count }, (_, i) =>
      driftAlert(seed * 10_000 + i, {
        scope: pick(DRIFT_SCOPES),
        metric: pick(['miscalibration', 'exposure-entropy', 'homogenization'] as const),
        severity: pick(DRIFT_SEVERITIES),
        domain: pick(['movies', 'news', 'code']),
        subject: pick(['u-1', 'u-2', 'seg-a', 'news']),
      }),
    );

  beforeAll(async () => {
    ({ db, url, alerts, subscriptions, owner } = await openNotifierStore(stack));
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('creates exactly the deliveries the contract rule selects, and replay filtering agrees with it too', async () => {
    const subs: { id: string; filters: AlertFiltersV1; active: boolean }[] = [];
    for (let i = 0; i < 25; i++) {
      const filters: AlertFiltersV1 = {
        scopes: some(DRIFT_SCOPES),
        metrics: some(['miscalibration', 'exposure-entropy', 'homogenization'] as const),
        severities: some(DRIFT_SEVERITIES),
        domains: some(['movies', 'news', 'code']),
        subjects: some(['u-1', 'u-2', 'seg-a', 'news']),
      };
      const active = i % 6 !== 5;
      const id = randomUUID();
      await subscriptions.create({ id, ownerKeyId: owner, description: null, url: 'https://8.8.8.8/x', secret: 's', active, filters });
      subs.push({ id, filters, active });
    }
    // A subscription of a revoked key matches nothing.
    const revoked = await new ApiKeyRepository(db).create('revoked', ['subscriber']);
    const revokedSub = randomUUID();
    await subscriptions.create({ id: revokedSub, ownerKeyId: revoked.record.id, description: null, url: 'https://8.8.8.8/x', secret: 's', active: true, filters: {} });
    await new ApiKeyRepository(db).revoke('revoked');

    const batch = grid(120, 1);
    const outcome = await alerts.storeAndMatch(batch.map(incoming), 5);
    expect(outcome.stored).toHaveLength(120);

    const expected = batch.flatMap((a) => subs.filter((s) => s.active && alertMatchesFilters(s.filters, a)).map((s) => `${s.id}/${a.alertId}`));
    expect(expected.length).toBeGreaterThan(100); // the grid exercises matching, not only misses
    expect(outcome.deliveries.map((d) => `${d.subscriptionId}/${d.alertId}`).sort()).toEqual(expected.sort());
    expect(outcome.deliveries.every((d) => d.jobId === `alert.${d.subscriptionId}.${d.alertId}`)).toBe(true);
    expect(outcome.deliveries.some((d) => d.subscriptionId === revokedSub)).toBe(false);

    for (const sub of subs) {
      const replay = await alerts.after('0', sub.filters, 1000);
      expect(replay.map((r) => r.alertId)).toEqual(batch.filter((a) => alertMatchesFilters(sub.filters, a)).map((a) => a.alertId));
    }
  });

  it('stores and matches an alert once: a replay, even after new subscriptions appeared, creates nothing', async () => {
    const batch = grid(10, 2);
    const first = await alerts.storeAndMatch(batch.map(incoming), 5);
    await subscriptions.create({ id: randomUUID(), ownerKeyId: owner, description: null, url: 'https://8.8.8.8/x', secret: 's', active: true, filters: {} });
    const again = await alerts.storeAndMatch([...batch, batch[0]!].map(incoming), 5);
    expect(first.stored).toHaveLength(10);
    expect(again).toEqual({ stored: [], duplicates: 11, deliveries: [] });
    // Duplicates inside one batch are stored once too.
    const twice = grid(1, 3);
    expect((await alerts.storeAndMatch([...twice, ...twice].map(incoming), 5)).stored).toHaveLength(1);
  });

  it('never lets a reader following "seq > cursor" skip an alert while several consumers commit concurrently', async () => {
    const writers = await Promise.all([0, 1, 2].map(() => createDataSource(url, { poolSize: 2, applicationName: 'chorus-test-writer' }).initialize()));
    const start = BigInt(await alerts.maxSeq());
    const seen: bigint[] = [];
    let cursor = start;
    let writing = true;
    const reader = (async () => {
      while (writing || seen.length === 0 || cursor < BigInt(await alerts.maxSeq())) {
        const rows = await alerts.allAfter(cursor.toString(), 1000);
        for (const row of rows) {
          seen.push(BigInt(row.seq));
          cursor = BigInt(row.seq);
        }
      }
    })();
    let seed = 100;
    await Promise.all(
      writers.map(async (writer) => {
        const repository = new AlertsRepository(writer);
        for (let i = 0; i < 40; i++) await repository.storeAndMatch(grid(1 + (i % 3), seed++).map(incoming), 5);
      }),
    );
    writing = false;
    await reader;
    await Promise.all(writers.map((w) => w.destroy()));

    const stored = (await db.query(`SELECT a.seq::text AS seq FROM notifier_alerts a WHERE a.seq > $1 ORDER BY a.seq`, [start.toString()])).map((r: any) => BigInt(r.seq));
    expect(stored.length).toBe(3 * (14 * 1 + 13 * 2 + 13 * 3));
    expect(seen).toEqual(stored);
  });
});
