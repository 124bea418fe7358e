import { ModelPriors } from '@chorus/scoring';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { loadLearnerConfig } from '../services/learner/src/learner.config';
import { CatalogueRepository } from '../services/learner/src/persistence/catalogue.repository';
import { LearnerStateRepository } from '../services/learner/src/persistence/learner-state.repository';
import { ApplyFeedbackUseCase } from '../services/learner/src/usecases/apply-feedback.usecase';
import { WeighByReliability } from '../services/learner/src/usecases/weigh-by-reliability';
import { ItemCatalogue } from '../services/learner/src/usecases/item-catalogue';
import { LearnerState } from '../services/learner/src/usecases/learner-state';
import { BatchView, packBatch } from '../services/learner/src/workers/apply-worker.protocol';
import { catalogue, seededUuid } from './support/feedback-factory';
import { TestStack } from './support/test-stack';

/**
 * The learner's item cache starts afresh when a preload would take it over capacity. Events of the same chunk whose
 * items were cached before that preload must still be applied — not dead-lettered as UNKNOWN_ITEM — so the apply step
 * reloads what the chunk needs. Runs the apply step as the worker does, on a real Postgres.
 */
describe('learner item cache at capacity', () => {
  const stack = new TestStack(1);
  let db: DataSource;
  let url: string;

  beforeAll(async () => {
    ({ db, url } = await stack.database());
    await new ItemsRepository(db).upsert(catalogue(5));
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('applies a chunk whose preload restarts the cache, including events on items cached before it', async () => {
    const config = loadLearnerConfig({ DATABASE_URL: url });
    const state = new LearnerState(new ModelPriors(config), config.LEARNER_MAX_RESIDENT_USERS);
    const items = new ItemCatalogue(new CatalogueRepository(db), 4);
    const usecase = new ApplyFeedbackUseCase(state, items, new LearnerStateRepository(db, 'capacity', 'feedback'), {
      topic: 'feedback',
      consumer: 'capacity',
      dedupeWindow: 64,
      logPredictions: false,
    }, new WeighByReliability(config));
    state.adoptPartition(0, 0, []);
    let offset = 0;
    const batch = (itemIds: string[]) =>
      new BatchView(
        packBatch(
          0,
          itemIds.map((itemId) => {
            const event = { eventId: seededUuid(`capacity:${offset}`), userId: 'dana', occurredAt: '2026-01-01T00:00:00Z', domain: 'movies', type: 'click', itemId };
            return { offset: String(offset++), key: Buffer.from('dana'), value: Buffer.from(JSON.stringify(event)) };
          }),
        ),
      );

    const first = await usecase.apply(0, batch(['item-0', 'item-1', 'item-2']));
    expect(first).toMatchObject({ applied: 3, deadLetters: [] });
    // item-0..2 are cached; loading item-3 and item-4 beside them would exceed the capacity of 4.
    const second = await usecase.apply(0, batch(['item-0', 'item-3', 'item-4', 'item-0']));
    expect(second.deadLetters.map((letter) => letter.reason)).toEqual([]);
    expect(second.applied).toBe(4);
    // The cache did start afresh (so the case above was exercised), keeping only what the chunk uses.
    expect(['item-0', 'item-1', 'item-2', 'item-3', 'item-4'].map((id) => items.get(id) !== undefined)).toEqual([true, false, false, true, true]);
  });
});
