import { Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ItemsRepository } from '../../services/gateway/src/persistence/items.repository';
import { seededUuid } from './feedback-factory';
import { pollUntil } from './poll';
import { startLearner } from './services';
import { serviceEnv, type TestStack } from './test-stack';

/**
 * A `movies` catalogue of 30 dramas and 20 documentaries, and for each user a 70/30 history (7 dramas, 3 documentaries,
 * rated 5) learned by the real learner, which then stops: users whose rerank jobs compute and store a list (a user
 * without a history is skipped at once).
 */
export async function learnRerankHistories(stack: TestStack, url: string, db: DataSource, users: readonly string[]): Promise<void> {
  await new ItemsRepository(db).upsert([
    ...Array.from({ length: 30 }, (_, i) => ({ itemId: `drama-${i}`, domain: 'movies', categories: { drama: 1 } })),
    ...Array.from({ length: 20 }, (_, i) => ({ itemId: `doc-${i}`, domain: 'movies', categories: { documentary: 1 } })),
  ]);
  const learner = await startLearner(serviceEnv(stack, url, { LEARNER_FLUSH_INTERVAL_MS: '100' }));
  try {
    const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const events = users.flatMap((userId) =>
      [...Array.from({ length: 7 }, (_, k) => `drama-${k}`), ...Array.from({ length: 3 }, (_, k) => `doc-${k}`)].map((itemId, k) => ({
        eventId: seededUuid(`history:${userId}:${k}`),
        userId,
        domain: 'movies',
        occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, k)).toISOString(),
        type: 'rating',
        itemId,
        value: 5,
        scale: { min: 1, max: 5 },
      })),
    );
    await producer.send({ topic: stack.topic('feedback'), messages: events.map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
    await producer.disconnect();
    await pollUntil(
      () => db.query(`SELECT count(*)::int AS n FROM user_models WHERE user_id = ANY($1) AND events_seen = 10`, [users]),
      (rows: { n: number }[]) => rows[0]?.n === users.length,
      { what: `the models of ${users.join(', ')}` },
    );
  } finally {
    await learner.app.close();
  }
}
