import type { RerankJobV1, TopicKey } from '@chorus/contracts';
import type { ScoringItem, UserScores } from '@chorus/scoring';
import type { Message } from 'kafkajs';
import { of, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CalibratedListRecord, NewCalibratedList } from '../persistence/calibrated-lists.repository';
import { CalibrateUserUseCase, relevanceOf, type CalibratedLists, type CalibrationSettings, type CompletedEventProducer, type UserScoring } from './calibrate-user.usecase';

/** Calibrating one user against in-memory implementations of the use case's ports (scores, stored lists, producer). */

const item = (itemId: string, categories: Record<string, number>): ScoringItem => ({ itemId, categories, userX: new Map(), aggregateX: new Map() });
const drama = (id: string) => item(id, { drama: 1 });
const comedy = (id: string) => item(id, { comedy: 1 });

class InMemoryScoring implements UserScoring {
  scored = 0;
  constructor(
    private readonly history: ScoringItem[],
    private readonly ranked: UserScores['ranked'],
    private readonly domainCatalogue: ScoringItem[] = [],
    private readonly personaShares?: Record<string, number>,
  ) {}
  async scoreUnseen(userId: string, domain: string): Promise<UserScores> {
    this.scored++;
    const shares = this.personaShares ? { personaShares: this.personaShares } : {};
    return { userId, domain, modelVersion: '4.10', seen: new Set(this.history.map((i) => i.itemId)), history: this.history, ranked: this.ranked, unseen: this.ranked.length, ...shares };
  }
  async categories(): Promise<string[]> {
    return [...new Set(this.domainCatalogue.flatMap((item) => Object.keys(item.categories)))];
  }
}

/** Lists get ids as Postgres gives them: UUIDs. */
const LIST_ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

class InMemoryLists implements CalibratedLists {
  readonly rows: CalibratedListRecord[] = [];
  published: string[] = [];
  async findByJob(jobId: string): Promise<CalibratedListRecord | undefined> {
    return this.rows.find((r) => r.jobId === jobId);
  }
  async insertOnce(list: NewCalibratedList): Promise<{ record: CalibratedListRecord; inserted: boolean }> {
    const existing = await this.findByJob(list.jobId);
    if (existing) return { record: existing, inserted: false };
    const record = { ...list, listId: LIST_ID(this.rows.length + 1), createdAt: new Date('2026-12-01T00:00:00.000Z'), publishedAt: null };
    this.rows.push(record);
    return { record, inserted: true };
  }
  async markPublished(listId: string): Promise<void> {
    this.published.push(listId);
    const row = this.rows.find((r) => r.listId === listId);
    if (row && row.publishedAt === null) row.publishedAt = new Date('2026-12-01T00:00:01.000Z');
  }
}

class InMemoryProducer implements CompletedEventProducer {
  readonly sent: { topic: TopicKey; messages: readonly Message[] }[] = [];
  emit(pattern: TopicKey, messages: readonly Message[]): Observable<unknown> {
    this.sent.push({ topic: pattern, messages });
    return of(undefined);
  }
}

const settings: CalibrationSettings = { lambda: 0, n: 2, candidates: 3, alpha: 0.01, priorWeight: 0 };
const job = (overrides: Partial<RerankJobV1> = {}): RerankJobV1 => ({ scope: 'user', domain: 'movies', userIds: ['ann'], reason: { kind: 'manual' }, ...overrides });

/** History half drama, half comedy; candidates best first, the last beyond C = 3. */
const balanced = () =>
  new InMemoryScoring(
    [drama('h-1'), comedy('h-2')],
    [
      { item: drama('d-1'), logit: 3 },
      { item: drama('d-2'), logit: 2 },
      { item: comedy('c-1'), logit: -1 },
      { item: comedy('c-2'), logit: -2 },
    ],
  );

function setup(scoring: InMemoryScoring, options: Partial<CalibrationSettings> = {}) {
  const lists = new InMemoryLists();
  const producer = new InMemoryProducer();
  const usecase = new CalibrateUserUseCase(scoring, lists, producer, { ...settings, ...options });
  return { lists, producer, usecase };
}

describe('CalibrateUserUseCase', () => {
  it('stores the calibrated list of the top C candidates once, then publishes it and marks it published', async () => {
    const { lists, producer, usecase } = setup(balanced());
    const seenBeforeStore: unknown[] = [];
    const result = await usecase.execute('job-1', job({ lambda: 1, n: 2 }), async (summary) => {
      seenBeforeStore.push({ ...summary, rowsThen: lists.rows.length });
    });

    // λ = 1 (calibration only) on a half-drama, half-comedy profile: the best drama, then the comedy that balances it.
    // The accuracy list (d-1, d-2) is all drama: C_KL = ½·ln(½ / q̃(drama)) + ½·ln(½ / q̃(comedy)), q̃ = 0.99·q + 0.01·p.
    const klBefore = 0.5 * Math.log(0.5 / 0.995) + 0.5 * Math.log(0.5 / 0.005);
    expect(result).toMatchObject({ outcome: 'stored', listId: LIST_ID(1), userId: 'ann', domain: 'movies', modelVersion: '4.10', items: 2, listSource: 'greedy' });
    expect(lists.rows).toHaveLength(1);
    const row = lists.rows[0]!;
    expect(row.items).toEqual([
      { itemId: 'd-1', score: 3, relevance: relevanceOf(3) },
      { itemId: 'c-1', score: -1, relevance: relevanceOf(-1) },
    ]);
    expect(row).toMatchObject({ jobId: 'job-1', lambda: 1, n: 2, candidates: 3, listSource: 'greedy', modelVersion: '4.10', reason: { kind: 'manual' } });
    expect(row.klBefore).toBeCloseTo(klBefore, 12);
    expect(row.klAfter).toBeCloseTo(0, 12);
    expect(row.relevanceRetained).toBeCloseTo((relevanceOf(3) + relevanceOf(-1)) / (relevanceOf(3) + relevanceOf(2)), 12);
    expect(seenBeforeStore).toEqual([{ klBefore: row.klBefore, klAfter: row.klAfter, items: 2, rowsThen: 0 }]);

    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.topic).toBe('rerankCompleted');
    expect(producer.sent[0]!.messages[0]!.key).toBe('ann');
    expect(JSON.parse(String(producer.sent[0]!.messages[0]!.value))).toMatchObject({
      listId: LIST_ID(1),
      jobId: 'job-1',
      userId: 'ann',
      domain: 'movies',
      modelVersion: '4.10',
      reason: { kind: 'manual' },
      lambda: 1,
      n: 2,
      items: ['d-1', 'c-1'],
      listSource: 'greedy',
      completedAt: '2026-12-01T00:00:00.000Z',
    });
    expect(lists.published).toEqual([LIST_ID(1)]);
  });

  it('takes λ and n from the settings when the job does not set them (λ = 0: the top n by score)', async () => {
    const { lists, usecase } = setup(balanced());
    await usecase.execute('job-2', job());
    expect(lists.rows[0]).toMatchObject({ lambda: 0, n: 2, klAfter: lists.rows[0]!.klBefore, relevanceRetained: 1 });
    expect(lists.rows[0]!.items.map((i) => i.itemId)).toEqual(['d-1', 'd-2']);
  });

  it('asks for no more items than there are candidates', async () => {
    const { lists, usecase } = setup(balanced());
    await usecase.execute('job-3', job({ n: 50 }));
    expect(lists.rows[0]).toMatchObject({ n: 3, candidates: 3 });
    expect(lists.rows[0]!.items.map((i) => i.itemId)).toEqual(['d-1', 'd-2', 'c-1']);
  });

  it('calibrates towards the uniform prior over the domain\'s categories when a prior weight is set', async () => {
    // An all-drama history: without a prior the two dramas are perfectly calibrated. With β = ½ over {drama, comedy}
    // the target is ¾ drama, ¼ comedy, and one comedy brings the list closer to it than a second drama.
    const history = [drama('h-1')];
    const ranked = [
      { item: drama('d-1'), logit: 3 },
      { item: drama('d-2'), logit: 2 },
      { item: comedy('c-1'), logit: -1 },
    ];
    const without = setup(new InMemoryScoring(history, ranked, [drama('x'), comedy('y')]), { priorWeight: 0 });
    const withPrior = setup(new InMemoryScoring(history, ranked, [drama('x'), comedy('y')]), { priorWeight: 0.5 });
    await without.usecase.execute('job-4', job({ lambda: 1 }));
    await withPrior.usecase.execute('job-4', job({ lambda: 1 }));
    expect(without.lists.rows[0]!.items.map((i) => i.itemId)).toEqual(['d-1', 'd-2']);
    expect(withPrior.lists.rows[0]!.items.map((i) => i.itemId)).toEqual(['d-1', 'c-1']);
  });

  it('calibrated to personas, each persona keeps its share of the user among the items it serves (issue #16)', async () => {
    // A household: persona 0 (70% of the events) is served the dramas, persona 3 (30%) the comedies, which rank lower.
    // The history is all drama, so calibrating to categories keeps the list all drama; to personas, 3 of 10 are comedy.
    const history = [drama('h-1'), drama('h-2')];
    const ranked = [
      ...Array.from({ length: 10 }, (_, k) => ({ item: drama(`d-${k}`), logit: 3 - k * 0.1, persona: { id: 0, label: 'drama' } })),
      ...Array.from({ length: 10 }, (_, k) => ({ item: comedy(`c-${k}`), logit: 1 - k * 0.1, persona: { id: 3, label: 'comedy' } })),
    ];
    const shares = { 0: 0.7, 3: 0.3 };
    const byCategory = setup(new InMemoryScoring(history, ranked, [], shares), { n: 10, candidates: 20, calibrateTo: 'categories' });
    const byPersona = setup(new InMemoryScoring(history, ranked, [], shares), { n: 10, candidates: 20, calibrateTo: 'personas' });
    await byCategory.usecase.execute('job-p', job({ lambda: 0.9 }));
    await byPersona.usecase.execute('job-p', job({ lambda: 0.9 }));
    const comedies = (rows: CalibratedListRecord[]) => rows[0]!.items.filter((i) => i.itemId.startsWith('c-')).map((i) => i.itemId);
    expect(comedies(byCategory.lists.rows)).toEqual([]);
    expect(comedies(byPersona.lists.rows)).toEqual(['c-0', 'c-1', 'c-2']);
    // A user with one persona is calibrated to categories either way.
    const single = setup(new InMemoryScoring(history, ranked, [], { 0: 1 }), { n: 10, candidates: 20, calibrateTo: 'personas' });
    await single.usecase.execute('job-p', job({ lambda: 0.9 }));
    expect(comedies(single.lists.rows)).toEqual([]);
  });

  it('a job that already stored its list publishes it if it was not yet, without scoring again', async () => {
    const scoring = balanced();
    const { lists, producer, usecase } = setup(scoring);
    await usecase.execute('job-5', job());
    lists.rows[0]!.publishedAt = null; // the crash came between the insert and markPublished
    const again = await usecase.execute('job-5', job({ lambda: 1 }));
    expect(again).toMatchObject({ outcome: 'already-stored', listId: LIST_ID(1), items: 2 });
    expect(scoring.scored).toBe(1);
    expect(lists.rows).toHaveLength(1);
    expect(producer.sent).toHaveLength(2);
    expect(lists.published).toEqual([LIST_ID(1), LIST_ID(1)]);

    expect(await usecase.execute('job-5', job())).toMatchObject({ outcome: 'already-stored' });
    expect(producer.sent).toHaveLength(2);
  });

  it('skips a user without history, and one who has seen everything, storing and publishing nothing', async () => {
    const none = setup(new InMemoryScoring([], [{ item: drama('d-1'), logit: 1 }]));
    expect(await none.usecase.execute('job-6', job())).toEqual({
      outcome: 'skipped',
      userId: 'ann',
      domain: 'movies',
      modelVersion: '4.10',
      reason: 'the user has no recorded interactions with catalogue items in this domain, so there is no profile to calibrate to',
    });
    const all = setup(new InMemoryScoring([drama('h-1')], []));
    expect(await all.usecase.execute('job-7', job())).toMatchObject({
      outcome: 'skipped',
      reason: 'the user has interacted with every catalogue item; nothing is left to recommend',
    });
    expect([none.lists.rows.length, none.producer.sent.length, all.lists.rows.length, all.producer.sent.length]).toEqual([0, 0, 0, 0]);
  });
});
