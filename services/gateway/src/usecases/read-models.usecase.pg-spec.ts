import { userModelV1 } from '@chorus/contracts';
import type { UserReliabilityJSON } from '@chorus/reliability';
import { decodeUserModelState, encodeUserModelState, ModelPriors, PersonalizedScorer, RewardModelsRepository } from '@chorus/scoring';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorAnswer } from '../../../../test/support/http-error-answer';
import { useMigratedDatabase } from '../../../../test/support/migrated-database';
import { ModelsController } from '../controllers/models.controller';
import { loadGatewayConfig } from '../gateway.config';
import { CalibratedListsRepository } from '../persistence/calibrated-lists.repository';
import { ItemsRepository } from '../persistence/items.repository';
import { RecordingProducer } from '../testing/in-memory-ports';
import { ReliabilityRepository } from '../persistence/reliability.repository';
import { ReadModelsUseCase, type ServingPolicy } from './read-models.usecase';
import { ReadReliabilityUseCase } from './read-reliability.usecase';

// The read side over what the learner and the reranker commit, on a real PostgreSQL: the shared scorer and the
// repositories are the production ones; only Kafka is replaced by a recording producer (exposures are checked as sent).
//
// The news aggregate is one shard holding drama +2, comedy −1 and an item intercept of +0.5 for "c"; user u-1 leans
// to comedy (+4) and has seen item "a".

const database = useMigratedDatabase('gateway_read_models');
let producer: RecordingProducer;

function readModels(serving: ServingPolicy = { policy: 'accuracy', maxAgeMs: 60_000 }) {
  const scorer = new PersonalizedScorer(new RewardModelsRepository(database.db), new ModelPriors(loadGatewayConfig({})), 0);
  return new ReadModelsUseCase(scorer, new CalibratedListsRepository(database.db), producer, serving, readReliability());
}

const readReliability = () => new ReadReliabilityUseCase(new ReliabilityRepository(database.db), loadGatewayConfig({}));

async function insertCalibratedList(jobId: string, createdAt: string, modelVersion: string, items: string[]) {
  await database.db.query(
    `INSERT INTO calibrated_lists (job_id, user_id, domain, items, kl_before, kl_after, relevance_retained, minority_share, lambda, n, candidates, list_source, model_version, reason, created_at)
     VALUES ($1, 'u-1', 'news', $2, 0.5, 0.125, 0.75, '{}', 0.25, 2, 3, 'accuracy', $3, '{}', $4)`,
    [jobId, JSON.stringify(items.map((itemId, rank) => ({ itemId, score: 3 - rank }))), modelVersion, createdAt],
  );
}

beforeAll(async () => {
  await new ItemsRepository(database.db).upsert([
    { itemId: 'a', domain: 'news', categories: { drama: 1 } },
    { itemId: 'b', domain: 'news', categories: { comedy: 1 } },
    { itemId: 'c', domain: 'news', categories: { drama: 1 } },
    { itemId: 'd', domain: 'news', categories: { comedy: 1, drama: 1 } },
  ]);
  await database.db.query(`INSERT INTO aggregate_shards (domain, shard, state, events_seen) VALUES ('news', 0, $1, 40)`, [
    JSON.stringify({ bias: [0, 0.5], 'cat:drama': [2, 0.25], 'cat:comedy': [-1, 0.25], 'item:c': [0.5, 0.25] }),
  ]);
  await database.db.query(`INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('u-1', 'news', $1, 7)`, [encodeUserModelState({ weights: { 'cat:comedy': [4, 0.01] } })]);
  await database.db.query(`INSERT INTO user_item_batches (user_id, domain, item_ids) VALUES ('u-1', 'news', ARRAY['a'])`);
  // Issue #15: likes comedy, except under the framing "short", where what they chose said otherwise (the learner's
  // `conditions` key: κ² and a deviation per framing).
  await database.db.query(`INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('u-3', 'news', $1, 12)`, [
    encodeUserModelState({ weights: { 'cat:comedy': [4, 0.01] }, tau2: 1, conditions: { priorVariance: 1, conditions: { short: { 'cat:comedy': [-6, 0.01] } } } }),
  ]);
  // A household as the learner writes it (userModelState): the first persona likes drama, the second comedy.
  await database.db.query(`INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('u-2', 'news', $1, 90)`, [
    encodeUserModelState({
      weights: { 'cat:drama': [3, 0.01], 'cat:comedy': [-3, 0.01] },
      personas: {
        personas: [
          { id: 0, mass: 60, share: 1 },
          { id: 4, mass: 30, share: 0, weights: { 'cat:drama': [-3, 0.01], 'cat:comedy': [3, 0.01] } },
        ],
        evidence: 0,
        eventsSeen: 90,
        nextId: 5,
        decisions: [
          { kind: 'open', persona: 2, atEvent: 20, evidence: 3.25 },
          { kind: 'merge', persona: 2, into: 0, atEvent: 30, maxZ: 0.5, feature: 'cat:drama' },
          { kind: 'open', persona: 4, atEvent: 40, evidence: 3.5 },
        ],
      },
    }),
  ]);
});

beforeEach(() => {
  producer = new RecordingProducer();
});

describe('ReadModelsUseCase on PostgreSQL', () => {
  it('the aggregate: weights as mean and sd, item intercepts only when asked', async () => {
    const read = readModels();
    const aggregate = await read.aggregate({ domain: 'news' });
    expect(aggregate).toEqual({
      domain: 'news',
      eventsSeen: 40,
      shards: 1,
      pooling: expect.objectContaining({ source: 'learned' }),
      itemPriorVariance: expect.objectContaining({ source: 'learned', variance: 1, shards: 0 }),
      weights: { bias: { mean: 0, sd: Math.sqrt(0.5) }, 'cat:drama': { mean: 2, sd: 0.5 }, 'cat:comedy': { mean: -1, sd: 0.5 } },
    });
    // τ² is learned (LEARNER_TAU2 unset) and the shard row holds no pooling evidence yet: the prior's mode.
    expect(aggregate.pooling.source === 'learned' ? aggregate.pooling.tau2 - aggregate.pooling.prior.mode : NaN).toBe(0);
    expect((await read.aggregate({ domain: 'news', includeItems: 'true' })).weights['item:c']).toEqual({ mean: 0.5, sd: 0.5 });
  });

  it("a user's model: the deviation, and personalized = aggregate + deviation", async () => {
    const model = await readModels().userModel('u-1', { domain: 'news' });
    expect(model).toMatchObject({ userId: 'u-1', domain: 'news', eventsSeen: 7, deviation: { 'cat:comedy': { mean: 4, sd: 0.1 } } });
    expect(model.personalized).toEqual({ bias: 0, 'cat:drama': 2, 'cat:comedy': 3 });
    expect(model.divergence.deviationNormInPriorSd).toBeGreaterThan(0);
    // One persona: the same deviation as the only entry, holding all the user's events.
    expect(model.personas).toEqual([{ id: 0, label: 'comedy', mass: 7, share: 1, deviation: model.deviation, personalized: model.personalized }]);
    expect(model.personaDecisions).toEqual([]);
  });

  it("a household's model: each persona with its label, share, deviation and personalized weights, and the decisions kept", async () => {
    const model = userModelV1.parse(await readModels().userModel('u-2', { domain: 'news' }));
    // By hand from the rows: aggregate bias 0, drama +2, comedy −1; personas (drama +3, comedy −3) × 60 events and
    // (drama −3, comedy +3) × 30, every variance 0.01 (sd 0.1).
    expect(model.personas).toEqual([
      { id: 0, label: 'drama', mass: 60, share: 2 / 3, deviation: { 'cat:drama': { mean: 3, sd: 0.1 }, 'cat:comedy': { mean: -3, sd: 0.1 } }, personalized: { bias: 0, 'cat:drama': 5, 'cat:comedy': -4 } },
      { id: 4, label: 'comedy', mass: 30, share: 1 / 3, deviation: { 'cat:drama': { mean: -3, sd: 0.1 }, 'cat:comedy': { mean: 3, sd: 0.1 } }, personalized: { bias: 0, 'cat:drama': -1, 'cat:comedy': 2 } },
    ]);
    // The top-level deviation stays the first persona's, as before personas.
    expect([model.deviation, model.personalized]).toEqual([model.personas[0]!.deviation, model.personas[0]!.personalized]);
    expect(model.personaDecisions).toEqual([
      { kind: 'open', persona: 2, atEvent: 20, evidence: 3.25 },
      { kind: 'merge', persona: 2, into: 0, atEvent: 30, maxZ: 0.5, feature: 'cat:drama' },
      { kind: 'open', persona: 4, atEvent: 40, evidence: 3.5 },
    ]);
  });

  it('a user without events is the aggregate exactly', async () => {
    const model = await readModels().userModel('u-9', { domain: 'news' });
    expect([model.eventsSeen, model.updatedAt, model.deviation, model.personalized, model.divergence]).toEqual([
      0,
      null,
      {},
      { bias: 0, 'cat:drama': 2, 'cat:comedy': -1 },
      { deviationNormInPriorSd: 0 },
    ]);
    expect([model.personas, model.personaDecisions]).toEqual([[], []]);
  });

  it('accuracy serving ranks the unseen items by personalized logit and logs the list as an exposure keyed by user', async () => {
    const answer = await readModels().recommend('u-1', { domain: 'news', n: '2' });
    // b (comedy): −1 + 4 = 3; d (half each): 0.5 + 1.5 = 2; c (drama + intercept): 2.5; a was seen.
    expect(answer).toMatchObject({ userId: 'u-1', domain: 'news', policy: 'accuracy', candidates: 3, items: [{ itemId: 'b', rank: 0, score: 3 }, { itemId: 'c', rank: 1, score: 2.5 }] });
    expect(producer.sent.map((s) => [s.topic, s.messages.map((m) => m.key)])).toEqual([['exposures', ['u-1']]]);
    expect(producer.values()).toEqual([JSON.parse(JSON.stringify({ listId: answer.listId, userId: 'u-1', domain: 'news', policy: 'accuracy', servedAt: answer.servedAt, items: answer.items }))]);
  });

  it('each recommended item names the persona it serves, and the smaller persona’s items are not averaged away', async () => {
    const answer = await readModels().recommend('u-2', { domain: 'news', n: '4' });
    const persona = Object.fromEntries(answer.items.map((i) => [i.itemId, i.persona]));
    expect(persona).toEqual({ a: { id: 0, label: 'drama' }, c: { id: 0, label: 'drama' }, b: { id: 4, label: 'comedy' }, d: expect.objectContaining({ id: expect.any(Number) }) });
    // b (comedy): −1 + ≈3 under the comedy persona's attention; an average of the two personas would give −1 + 0.
    expect(answer.items.find((i) => i.itemId === 'b')!.score).toBeGreaterThan(1.9);
    expect(producer.values()[0]).toMatchObject({ items: answer.items });
  });

  it('a user without events is served the aggregate ranking under policy "aggregate"', async () => {
    const answer = await readModels().recommend('u-9', { domain: 'news' });
    expect([answer.policy, answer.items.map((i) => i.itemId)]).toEqual(['aggregate', ['c', 'a', 'd', 'b']]);
  });

  it('nothing to recommend (an empty catalogue): no list, nothing logged', async () => {
    const answer = await readModels().recommend('u-1', { domain: 'books' });
    expect([answer.listId, answer.items, answer.candidates, producer.sent]).toEqual([null, [], 0, []]);
  });

  it('calibrated serving: a fresh calibrated list wins, without the items consumed since; a stale one made from an older model does not', async () => {
    await insertCalibratedList('job-1', new Date(Date.now() - 10_000).toISOString(), '7.40', ['a', 'd', 'b']);
    const fresh = await readModels({ policy: 'calibrated', maxAgeMs: 60_000 }).recommend('u-1', { domain: 'news', n: '2' });
    expect(fresh).toMatchObject({ policy: 'calibrated', candidates: 3, items: [{ itemId: 'd', rank: 0, score: 2 }, { itemId: 'b', rank: 1, score: 1 }], calibration: { jobId: 'job-1', modelVersion: '7.40', lambda: 0.25, klBefore: 0.5, klAfter: 0.125, relevanceRetained: 0.75 } });
    // Older than maxAge, but made from the user's current model version (7 user events, 40 aggregate): still served.
    const sameModel = await readModels({ policy: 'calibrated', maxAgeMs: 0 }).recommend('u-1', { domain: 'news', n: '2' });
    expect(sameModel.policy).toBe('calibrated');
    await insertCalibratedList('job-2', new Date(Date.now() - 5_000).toISOString(), '6.40', ['b', 'd', 'c']);
    const stale = await readModels({ policy: 'calibrated', maxAgeMs: 0 }).recommend('u-1', { domain: 'news', n: '2' });
    expect(stale.policy).toBe('accuracy');
    // Fresh by age but holding fewer than n unseen items: the accuracy list.
    expect((await readModels({ policy: 'calibrated', maxAgeMs: 60_000 }).recommend('u-1', { domain: 'news', n: '4' })).policy).toBe('accuracy');
  });

  it('keeps the candidate index fresh: a catalogue change and an aggregate that learned show in the next list of the same scorer', async () => {
    // Its own domain, so the other tests' catalogue stays as it is. One scorer (cache period 0) across the changes.
    const items = new ItemsRepository(database.db);
    await items.upsert([{ itemId: 'f-1', domain: 'fresh', categories: { drama: 1 } }, { itemId: 'f-2', domain: 'fresh', categories: { comedy: 1 } }]);
    const shard = (state: object, eventsSeen: number) =>
      database.db.query(
        `INSERT INTO aggregate_shards (domain, shard, state, events_seen) VALUES ('fresh', 0, $1, $2) ON CONFLICT (domain, shard) DO UPDATE SET state = EXCLUDED.state, events_seen = EXCLUDED.events_seen`,
        [JSON.stringify(state), eventsSeen],
      );
    await shard({ 'cat:drama': [1, 0.25] }, 10);
    const read = readModels();
    const ids = async () => ((await read.recommend('nobody', { domain: 'fresh', n: '5' })).items as { itemId: string }[]).map((item) => item.itemId);
    expect(await ids()).toEqual(['f-1', 'f-2']);
    await items.upsert([{ itemId: 'f-3', domain: 'fresh', categories: { drama: 1 } }]);
    expect(await ids()).toEqual(['f-1', 'f-3', 'f-2']);
    await shard({ 'cat:drama': [1, 0.25], 'item:f-2': [3, 0.25] }, 11);
    expect(await ids()).toEqual(['f-2', 'f-1', 'f-3']);
  });

  it('ranks under a stated framing with the user\'s deviation for it, and without one (or under a framing never learned) as before', async () => {
    const ranked = async (query: Record<string, string>) => ((await readModels().recommend('u-3', { domain: 'news', n: '2', ...query })).items as { itemId: string; score: number }[]).map((i) => [i.itemId, i.score]);
    // Condition-free: b (comedy) −1 + 4 = 3; c (drama + intercept) 2.5; d (half each) 0.5 + 2 = 2.5 (tie: by id); a 2.
    expect(await ranked({})).toEqual([['b', 3], ['c', 2.5]]);
    expect(await ranked({ framingId: 'long' })).toEqual([['b', 3], ['c', 2.5]]);
    // Under "short" comedy weighs 4 − 6 = −2: c 2.5, a 2, d 0.5 − 1 = −0.5, b −1 − 2 = −3.
    expect(await ranked({ framingId: 'short' })).toEqual([['c', 2.5], ['a', 2]]);
    // A domain that keeps no deviations per framing serves the condition-free ranking whatever the row holds.
    const off = new ReadModelsUseCase(new PersonalizedScorer(new RewardModelsRepository(database.db), new ModelPriors(loadGatewayConfig({})), 0, () => false), new CalibratedListsRepository(database.db), producer, { policy: 'accuracy', maxAgeMs: 0 }, readReliability());
    expect((await off.recommend('u-3', { domain: 'news', n: '2', framingId: 'short' })).items.map((i: { itemId: string }) => i.itemId)).toEqual(['b', 'c']);
    const bad = await errorAnswer(readModels().recommend('u-3', { domain: 'news', framingId: '' }));
    expect([bad.status, bad.body.issues!.map((i) => i.path)]).toEqual([400, ['framingId']]);
  });

  it('names a bad user id, a missing domain and a bad n (400)', async () => {
    const read = readModels();
    expect((await errorAnswer(read.recommend('has space', { domain: 'news' }))).body.issues!.map((i) => i.path)).toEqual(['id']);
    expect((await errorAnswer(read.userModel('u-1', {}))).body.issues!.map((i) => i.path)).toEqual(['domain']);
    const n = await errorAnswer(read.recommend('u-1', { domain: 'news', n: '500' }));
    expect([n.status, n.body.issues!.map((i) => i.path)]).toEqual([400, ['n']]);
    expect((await errorAnswer(read.aggregate({ domain: 'news', includeItems: 'yes' }))).body.issues!.map((i) => i.path)).toEqual(['includeItems']);
  });

  it('ModelsController passes the path and query through', async () => {
    const controller = new ModelsController(readModels(), readReliability());
    expect((await controller.aggregate({ domain: 'news' })).eventsSeen).toBe(40);
    expect((await controller.user('u-1', { domain: 'news' })).eventsSeen).toBe(7);
    expect((await controller.recommendations('u-9', { domain: 'news', n: '1' })).items.map((i) => i.itemId)).toEqual(['c']);
  });
});

describe('ReadReliabilityUseCase (issue #15)', () => {
  // User r-1 judged {a, b} three times, choosing a each time (twice shown first, once at an unknown position), under
  // one framing; the learner gave those judgments 1.5 in all. Other users' judgments of {a, b}, in two partitions:
  // partition 0 holds r-1's three (all for a) and two for b; partition 1 holds four, one for a. r-1 also rated or
  // clicked three items five times (weights 4.3 in all): m twice without context (once positive), n positive once under
  // one framing and twice under another, o once.
  beforeAll(async () => {
    const S = '\u0001';
    const items: UserReliabilityJSON['items'] = { counts: [5, 4.3], logLikelihood: [0, 0, 0], signals: { m: [['', 2, 1]], n: [[`short${S}${S}${S}`, 1, 1], [`long${S}${S}${S}`, 2, 2]], o: [['', 1, 0]] } };
    const reliability: UserReliabilityJSON = { counts: [3, 2, 0, 0, 0, 1.5], logLikelihood: [0, 0, 0], signals: { 'a\u0001b': [[['short\u0001\u0001', 3, 3, 2, 0, 0, 0]], [0, 0, 0]] }, items };
    await database.db.query(
      `INSERT INTO user_models (user_id, domain, state, events_seen) VALUES ('r-1', 'news', $1, 3)`,
      [encodeUserModelState({ weights: {}, tau2: 1, reliability })],
    );
    await database.db.query(
      `INSERT INTO reliability_pair_counts (domain, shard, item_a, item_b, n, a) VALUES ('news', 0, 'a', 'b', 5, 3), ('news', 1, 'a', 'b', 4, 1), ('books', 0, 'a', 'b', 9, 0)`,
    );
  });

  it("reports agreement with the other users' majority summed over the partitions, the counts, and the model read's effective weight", async () => {
    const report = await readReliability().user('r-1', { domain: 'news' });
    // Others: 3 + 1 − 3 = 1 for a, 9 − 4 = 5 for b; r-1's three judgments for a all disagree: Beta(1, 4), mean 0.2.
    expect(report.reliability).toEqual({ mean: 0.2, sd: Math.sqrt(4 / (25 * 6)), agree: 0, disagree: 3 });
    expect([report.judgments, report.signals, report.meanWeight]).toEqual([3, 1, 0.5]);
    expect(report.retest).toEqual({ agreeing: 3, compared: 3 });
    expect(report.conditionEffects.position).toMatchObject({ judgments: 2, firstShownShare: 0.75, detected: false });
    expect(report.weighting).toEqual({ aggregate: true, personalized: false });
    expect(Object.values(report.classCounts).reduce((x, y) => x + y, 0)).toBe(1);
    // Items: retest m 0 of 1, n's second framing 1 of 1; across conditions n's 1 × 2 pairs all agree; o unknown (once).
    expect(report.items).toMatchObject({ observations: 5, signals: 3, repeated: 2, meanWeight: 4.3 / 5, retest: { agreeing: 1, compared: 2 }, acrossConditions: { agreeing: 2, compared: 2 } });
    expect(Object.values(report.items.classCounts).reduce((x, y) => x + y, 0)).toBe(3);
    expect(report.items.classCounts.unknown).toBeGreaterThanOrEqual(1);
    // The gateway's default weighs the aggregate only: there the judgments count 0.5 on average, in the user's model 1.
    const model = userModelV1.parse(await readModels().userModel('r-1', { domain: 'news' }));
    expect(model.effectiveWeight).toEqual({ judgments: 3, meanWeight: 0.5, aggregate: 0.5, personalized: 1, items: { observations: 5, meanWeight: 4.3 / 5 } });

    // Two of the three judgments were split under a framing and the user's model kept 0.4 of their weight in all: it
    // counts them (1 + 0.4) / 3; where that model is reliability-weighted, by their reliability weight as before.
    const [row]: { state: Buffer }[] = await database.db.query(`SELECT state FROM user_models WHERE user_id = 'r-1' AND domain = 'news'`);
    const withSplit = encodeUserModelState({ ...decodeUserModelState(row!.state), conditions: { priorVariance: 1, conditions: {}, split: [2, 0.4] } });
    await database.db.query(`UPDATE user_models SET state = $1 WHERE user_id = 'r-1' AND domain = 'news'`, [withSplit]);
    const split = userModelV1.parse(await readModels().userModel('r-1', { domain: 'news' }));
    expect(split.effectiveWeight.personalized).toBeCloseTo(1.4 / 3, 12);
    const both = new ReadReliabilityUseCase(new ReliabilityRepository(database.db), loadGatewayConfig({ LEARNER_RELIABILITY_WEIGHTS: 'both' }));
    expect((await both.effectiveWeight('r-1', 'news')).personalized).toBe(0.5);
  });

  it('answers a user without pairwise judgments with an empty report, and a bad request with what is wrong', async () => {
    const report = await readReliability().user('u-1', { domain: 'news' });
    expect([report.judgments, report.signals, report.meanWeight, report.reliability.mean]).toEqual([0, 0, 1, 0.5]);
    expect(report.items).toMatchObject({ observations: 0, signals: 0, meanWeight: 1 });
    expect((await errorAnswer(readReliability().user('u 1', { domain: 'news' }))).body.issues!.map((i) => i.path)).toEqual(['id']);
    expect((await errorAnswer(readReliability().user('u-1', {}))).body.issues!.map((i) => i.path)).toEqual(['domain']);
  });
});
