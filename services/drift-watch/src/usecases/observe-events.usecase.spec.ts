import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS } from '../testing/engine-harness';
import { DetectorConfigs } from '../engine/detector-configs';
import { DriftEngine } from '../engine/drift-engine';
import { DriftSegments } from '../engine/drift-segments';
import { DriftState } from '../engine/drift-state';
import { ItemCatalogue, type CatalogueItem } from '../engine/item-catalogue';
import { ObserveEventsUseCase, type IncomingMessage, type ObserveEventsStores } from './observe-events.usecase';
import type { StoredUserDriftState } from '../engine/user-drift-state';
import { decodeUserState } from '../engine/user-state.codec';

/** drift-watch's apply loop with the real state and engine over in-memory stores; no Kafka, no Postgres. */

const FEEDBACK = 'chorus.feedback.v1';
const EXPOSURES = 'chorus.exposures.v1';
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

class InMemoryStores implements ObserveEventsStores {
  readonly items = new Map<string, CatalogueItem>();
  readonly deviationsOf = new Map<string, { means: number[]; tau2?: number }>();
  readonly storedUsers = new Map<string, StoredUserDriftState>();
  readonly asked = { items: [] as string[][], users: [] as string[][], vocabularies: [] as string[], deviations: [] as string[][] };
  private readonly indexes = new Map<string, string[]>();

  readonly catalogue: ObserveEventsStores['catalogue'] = {
    findMany: async (itemIds) => {
      this.asked.items.push([...itemIds]);
      return itemIds.flatMap((id) => (this.items.has(id) ? [this.items.get(id)!] : []));
    },
    vocabulary: async (domain, extra = []) => {
      this.asked.vocabularies.push(domain);
      const index = this.indexes.get(domain) ?? [];
      const inDomain = [...this.items.values()].filter((i) => i.domain === domain);
      for (const category of [...inDomain.flatMap((i) => Object.keys(i.categories)), ...extra].sort()) if (!index.includes(category)) index.push(category);
      this.indexes.set(domain, index);
      return { categories: index.map((category, idx) => ({ category, idx })), itemCount: inDomain.length };
    },
  };
  readonly state: ObserveEventsStores['state'] = {
    loadUsers: async (keys) => {
      this.asked.users.push(keys.map((k) => `${k.userId}/${k.domain}`));
      return new Map(keys.flatMap((k) => (this.storedUsers.has(`${k.userId}\u0001${k.domain}`) ? [[`${k.userId}\u0001${k.domain}`, this.storedUsers.get(`${k.userId}\u0001${k.domain}`)!] as const] : [])));
    },
  };
  readonly models: ObserveEventsStores['models'] = {
    deviations: async (keys) => {
      this.asked.deviations.push(keys.map((k) => `${k.userId}/${k.domain}`));
      return new Map(keys.flatMap((k) => (this.deviationsOf.has(`${k.userId}\u0001${k.domain}`) ? [[`${k.userId}\u0001${k.domain}`, this.deviationsOf.get(`${k.userId}\u0001${k.domain}`)!] as const] : [])));
    },
  };
}

function setup(options: { idleMs?: number; minEvents?: number; modelRefreshEvents?: number } = {}) {
  const clock = { now: 0 };
  const state = new DriftState({ maxResidentUsers: 1000, halfLife: 25, polarizationAlpha: 1.3, panelPool: 64 });
  const catalogue = new ItemCatalogue();
  const engine = new DriftEngine(state, catalogue, new DetectorConfigs(), new DriftSegments(), { ...DEFAULT_ENGINE_OPTIONS, minEvents: options.minEvents ?? 2 }, { detection: () => undefined, late: () => undefined });
  const stores = new InMemoryStores();
  stores.items.set('m-1', { itemId: 'm-1', domain: 'movies', categories: { drama: 1 }, stance: undefined });
  stores.items.set('m-2', { itemId: 'm-2', domain: 'movies', categories: { comedy: 2, drama: 2 }, stance: 0.5 });
  stores.items.set('b-1', { itemId: 'b-1', domain: 'books', categories: { poetry: 1 }, stance: undefined });
  const usecase = new ObserveEventsUseCase(state, engine, catalogue, stores, {
    topics: { feedback: FEEDBACK, exposures: EXPOSURES },
    consumer: 'chorus-drift-watch',
    minEvents: options.minEvents ?? 2,
    modelRefreshEvents: options.modelRefreshEvents ?? 3,
    modelRetryMs: 1000,
    // A fixed τ² = 1 unless the row says what it was learned under.
    tau: (_domain: string, learnedUnder?: number) => learnedUnder ?? 1,
    merge: { idleMs: options.idleMs ?? 0, maxHoldMs: 6 * 3600_000 },
    now: () => clock.now,
  });
  return { clock, state, catalogue, stores, usecase };
}

const at = (second: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + second * 1000).toISOString();
const click = (n: number, second: number, itemId = 'm-1', userId = 'ann') => ({ eventId: ID(n), userId, occurredAt: at(second), domain: 'movies', type: 'click', itemId });
const exposure = (n: number, second: number, itemIds = ['m-1', 'm-2'], userId = 'ann') => ({
  listId: `list-${n}`,
  userId,
  domain: 'movies',
  policy: 'accuracy',
  servedAt: at(second),
  items: itemIds.map((itemId, rank) => ({ itemId, rank, score: 1 - rank / 10 })),
});
const messages = (...entries: [offset: number, value: object | string | null][]): IncomingMessage[] =>
  entries.map(([offset, value]) => ({ offset: String(offset), key: Buffer.from('ann'), value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) }));

describe('ObserveEventsUseCase', () => {
  it('applies the two topics in event-time order, holding a message until the other topic has nothing earlier or is idle', async () => {
    const { clock, state, usecase } = setup({ idleMs: 500 });
    expect(await usecase.apply('feedback', 0, messages([0, click(1, 5)]))).toEqual({ applied: 0, duplicates: 0, redelivered: 0, deadLetters: [] });
    expect(usecase.waiting).toBe(1);
    // The list served at 10:00:00 goes first; the click at 10:00:05 still waits (exposures may hold something earlier).
    expect(await usecase.apply('exposures', 0, messages([0, exposure(1, 0)]))).toEqual({ applied: 1, duplicates: 0, redelivered: 0, deadLetters: [] });
    expect([state.next(EXPOSURES, 0), state.next(FEEDBACK, 0), usecase.waiting]).toEqual([1, 0, 1]);
    clock.now = 499;
    expect((await usecase.releaseIdle()).applied).toBe(0);
    clock.now = 500;
    expect(await usecase.releaseIdle()).toEqual({ applied: 1, duplicates: 0, redelivered: 0, deadLetters: [] });
    expect([state.next(EXPOSURES, 0), state.next(FEEDBACK, 0), usecase.waiting]).toEqual([1, 1, 0]);
    expect(state.user('ann', 'movies').events).toBe(2);
  });

  it('releaseIdle(force) applies everything waiting (shutdown)', async () => {
    const { usecase } = setup({ idleMs: 60_000 });
    await usecase.apply('feedback', 0, messages([0, click(1, 5)], [1, click(2, 6)]));
    expect((await usecase.releaseIdle(true)).applied).toBe(2);
    expect(usecase.waiting).toBe(0);
  });

  it('loads unseen items, users and the domain vocabulary once, and only what is not in memory', async () => {
    const { stores, usecase, catalogue } = setup();
    await usecase.apply('exposures', 0, messages([0, exposure(1, 0)], [1, exposure(2, 1, ['m-2'], 'bob')]));
    await usecase.apply('feedback', 0, messages([0, click(1, 2)], [1, click(2, 3, 'm-2', 'bob')]));
    expect(stores.asked.items).toEqual([['m-1', 'm-2'], []]);
    expect(stores.asked.users).toEqual([['ann/movies', 'bob/movies'], []]);
    expect(stores.asked.vocabularies).toEqual(['movies']);
    expect(catalogue.vocabularies.get('movies')!.size).toBe(2);
    expect(catalogue.get('m-2')!.categories).toEqual({ comedy: 0.5, drama: 0.5 });
  });

  it('continues a stored user from its stored state', async () => {
    const first = setup();
    await first.usecase.apply('feedback', 0, messages([0, click(1, 0)], [1, click(2, 1)]));
    const stored = first.state.snapshot().users.find((u) => u.userId === 'ann')!;
    const second = setup();
    second.stores.storedUsers.set('ann\u0001movies', decodeUserState(stored.state));
    expect(await second.usecase.apply('feedback', 0, messages([5, click(1, 2)], [6, click(3, 3)]))).toMatchObject({ applied: 1, duplicates: 1 });
    expect(second.state.user('ann', 'movies').events).toBe(3);
  });

  it('dead-letters invalid messages with the topic\'s code and what is wrong, and unknown or foreign items with the engine\'s', async () => {
    const { state, usecase } = setup();
    const outcome = await usecase.apply(
      'feedback',
      0,
      messages([0, '{"oops'], [1, click(1, 1, 'm-404')], [2, { ...click(2, 2), eventId: 'nope' }], [3, click(3, 3, 'b-1')], [4, click(4, 4)], [5, null]),
    );
    expect(outcome.applied).toBe(1);
    expect(outcome.deadLetters.map((l) => [l.source.offset, l.code])).toEqual([
      ['0', 'DRIFT.INVALID_FEEDBACK'],
      ['1', 'DRIFT.UNKNOWN_ITEM'],
      ['2', 'DRIFT.INVALID_FEEDBACK'],
      ['3', 'DRIFT.DOMAIN_MISMATCH'],
      ['5', 'DRIFT.INVALID_FEEDBACK'],
    ]);
    const [bad, unknown, invalid, foreign] = outcome.deadLetters;
    expect(bad).toMatchObject({ reason: 'the message is not a valid chorus.feedback.v1 event', source: { topic: FEEDBACK, partition: 0 }, consumer: 'chorus-drift-watch', value: '{"oops' });
    expect(unknown!.reason).toBe('item "m-404" is not in the catalogue; PUT /v1/items/m-404 first, then replay the message');
    expect(invalid!.issues).toEqual([{ path: 'eventId', message: 'must be a UUID (e.g. from crypto.randomUUID())' }]);
    expect(foreign!.reason).toBe('item "b-1" belongs to domain "books" but the message says "movies"');
    expect(state.next(FEEDBACK, 0)).toBe(6);

    const exposures = await usecase.apply('exposures', 0, messages([0, { ...exposure(1, 0), items: [] }]));
    expect(exposures.deadLetters.map((l) => [l.code, l.reason, l.source.topic])).toEqual([['DRIFT.INVALID_EXPOSURE', 'the message is not a valid chorus.exposures.v1 list', EXPOSURES]]);
    expect(state.next(EXPOSURES, 0)).toBe(1);
  });

  it('counts a repeated event id or list id once, and skips offsets below the committed resume point', async () => {
    const { state, usecase } = setup();
    state.adoptPartition(0, [{ topic: FEEDBACK, nextOffset: 2 }, { topic: EXPOSURES, nextOffset: 0 }], []);
    expect(await usecase.apply('feedback', 0, messages([0, click(1, 0)], [1, click(2, 1)], [2, click(3, 2)], [3, click(3, 3)]))).toEqual({
      applied: 1,
      duplicates: 1,
      redelivered: 2,
      deadLetters: [],
    });
    expect(await usecase.apply('exposures', 0, messages([0, exposure(7, 4)], [1, exposure(7, 5)]))).toMatchObject({ applied: 1, duplicates: 1 });
    expect(state.next(FEEDBACK, 0)).toBe(4);
  });

  it('reads a gated user\'s b_u every modelRefreshEvents events, and asks again after modelRetryMs while the learner has none', async () => {
    const { clock, state, stores, usecase } = setup({ minEvents: 2, modelRefreshEvents: 3 });
    await usecase.apply('feedback', 0, messages([0, click(1, 0)], [1, click(2, 1)]));
    expect(stores.asked.deviations).toEqual([]);
    await usecase.apply('feedback', 0, messages([2, click(3, 2)]));
    expect(stores.asked.deviations).toEqual([['ann/movies']]);
    expect(usecase.awaitingModels).toBe(1);

    clock.now = 999;
    await usecase.retryAwaitingModels();
    expect(stores.asked.deviations).toHaveLength(1);
    clock.now = 1000;
    await usecase.retryAwaitingModels();
    expect(stores.asked.deviations).toHaveLength(2);
    expect(usecase.awaitingModels).toBe(1);

    stores.deviationsOf.set('ann\u0001movies', { means: [3, 4] });
    clock.now = 2000;
    await usecase.retryAwaitingModels();
    expect(usecase.awaitingModels).toBe(0);
    expect(state.user('ann', 'movies').divergenceAt).toBe(3);
    // b_u = (3, 4) with τ = 1: five prior standard deviations.
    expect(state.snapshot().userPoints.filter((p) => p.metric === 'personal-divergence').map((p) => p.value)).toEqual([5]);
  });

  it('measures divergence in the standard deviations of the τ² a row was learned under (learned pooling)', async () => {
    const { stores, state, usecase } = setup({ minEvents: 2, modelRefreshEvents: 3 });
    stores.deviationsOf.set('ann\u0001movies', { means: [3, 4], tau2: 4 });
    await usecase.apply('feedback', 0, messages([0, click(1, 0)], [1, click(2, 1)], [2, click(3, 2)]));
    // |b_u| = 5 under τ² = 4 (τ = 2): 2.5 prior standard deviations, not the 5 a default τ² of 1 would give.
    expect(state.snapshot().userPoints.filter((p) => p.metric === 'personal-divergence').map((p) => p.value)).toEqual([2.5]);
  });

  it('forgets what waits on clear(), and drops a waiting user evicted from memory', async () => {
    const { usecase } = setup({ idleMs: 500 });
    await usecase.apply('feedback', 0, messages([0, click(1, 0)]));
    expect(usecase.waiting).toBe(1);
    usecase.clear();
    expect(usecase.waiting).toBe(0);

    const gated = setup({ minEvents: 1, modelRefreshEvents: 1 });
    await gated.usecase.apply('feedback', 0, messages([0, click(1, 0)]));
    expect(gated.usecase.awaitingModels).toBe(1);
    gated.state.clear();
    gated.clock.now = 5000;
    await gated.usecase.retryAwaitingModels();
    expect(gated.usecase.awaitingModels).toBe(0);
    expect(gated.stores.asked.deviations).toHaveLength(1);
  });

  it('builds the dead letter of a message refused outside the use case', () => {
    const { usecase } = setup();
    expect(usecase.deadLetterOf(FEEDBACK, 2, messages([9, 'x'])[0]!, 'DRIFT.UNSTORABLE', 'Postgres refused it')).toMatchObject({
      code: 'DRIFT.UNSTORABLE',
      reason: 'Postgres refused it',
      source: { topic: FEEDBACK, partition: 2, offset: '9' },
      key: 'ann',
      value: 'x',
    });
  });
});
