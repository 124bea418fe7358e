import { encodeUserModelState } from '@chorus/scoring';
import { encodeDedupeWindow } from '../services/learner/src/persistence/dedupe-window.codec';
import { migrate } from '../infra/database/migrate-database';
import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../infra/database/migrations';
import { UserDedupeWindow1764579600000 } from '../infra/database/migrations/1764579600000-user-dedupe-window';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { decodeDedupeWindow } from '../services/learner/src/persistence/dedupe-window.codec';
import { eventDedupeKey } from '../services/learner/src/usecases/event-dedupe-key';
import { catalogue, seededUuid } from './support/feedback-factory';
import { pollUntil } from './support/poll';
import { startLearner } from './support/services';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * The retry-dedupe window lives in user_models.recent_event_keys (bytea) since migration UserDedupeWindow. Rows written
 * before it keep their window in the JSON state: the learner must still drop retries of those events, and reverting the
 * migration must put every window back into the JSON, so no upgrade or downgrade lets a retry through.
 */
describe('learner dedupe window across the recent_event_keys migration', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;
  let learner: Awaited<ReturnType<typeof startLearner>> | undefined;
  const old = seededUuid('window:old');
  const retried = seededUuid('window:retried');
  const fresh = seededUuid('window:fresh');

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    await new ItemsRepository(db).upsert(catalogue(5));
    // A user row from before the dedupe-window column, as the binary-state migration leaves it: the window that was in
    // its JSON moved to recent_event_keys.
    await db.query(
      `INSERT INTO user_models (user_id, domain, state, recent_event_keys, events_seen, updated_at) VALUES ('carla', 'movies', $1, $2, 2, now())`,
      [encodeUserModelState({ weights: {} }), encodeDedupeWindow([eventDedupeKey(old), eventDedupeKey(retried)])],
    );
    learner = await startLearner(serviceEnv(stack, url, { LEARNER_FLUSH_INTERVAL_MS: '100' }));
  });

  afterAll(async () => {
    await learner?.app.close();
    await stack.stop();
  });

  it('drops a retry remembered in a pre-migration row, stores the window as bytea, and the migration reverts losslessly', async () => {
    const event = (eventId: string) => ({ eventId, userId: 'carla', occurredAt: '2026-01-01T00:00:00Z', domain: 'movies', type: 'click', itemId: 'item-1' });
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: stack.topic('feedback'), messages: [retried, fresh].map((id) => ({ key: 'carla', value: JSON.stringify(event(id)) })) });
    await producer.disconnect();

    const counters = await pollUntil(
      async () => Object.fromEntries((await db.query(`SELECT name, value FROM learner_counters`)).map((r: any) => [r.name, Number(r.value)])),
      (c: Record<string, number>) => (c.applied ?? 0) + (c.duplicates ?? 0) >= 2,
      { what: 'both events to be handled' },
    );
    expect(counters).toEqual({ applied: 1, duplicates: 1 });
    const window = [eventDedupeKey(old), eventDedupeKey(retried), eventDedupeKey(fresh)];
    const [row] = await db.query(`SELECT state, recent_event_keys, events_seen FROM user_models WHERE user_id = 'carla'`);
    expect(row.events_seen).toBe(3);
    expect(decodeDedupeWindow(row.recent_event_keys)).toEqual(window);
    expect(row.state.recentEventIds).toBeUndefined();

    await learner!.app.close();
    learner = undefined;
    // Revert down to and including UserDedupeWindow: the migrations after it sit on top of it.
    const undone = migrations.slice(migrations.indexOf(UserDedupeWindow1764579600000)).map((m) => m.name);
    for (let i = 0; i < undone.length; i++) await db.undoLastMigration({ transaction: 'each' });
    const [reverted] = await db.query(`SELECT state FROM user_models WHERE user_id = 'carla'`);
    expect(reverted.state.recentEventIds).toEqual(window);
    expect((await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'user_models' AND column_name = 'recent_event_keys'`)).length).toBe(0);
    expect(await migrate(url)).toEqual(undone);
  });
});
