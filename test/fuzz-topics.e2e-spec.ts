import { driftAlertKey, driftAlertV1, exposureV1, feedbackEventV1, itemV1, type TopicKey } from '@chorus/contracts';
import { sendBounded } from '@chorus/platform';
import fc from 'fast-check';
import { join } from 'node:path';
import { AssignerProtocol, Partitioners, type Message, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonFeedbackShapes } from '../libs/contracts/src/testing/feedback-shapes';
import { DRIFT_TEST_ENV, DriftWatchProcess, seedCatalogue } from './support/drift-watch';
import { catalogue, feedbackStream, seededUuid } from './support/feedback-factory';
import { failureOf, fuzzParameters, fuzzRuns, report, tally, type SurfaceTally } from './support/fuzz-run';
import { describeBytes, fixtures, hostileDocument, hostileString } from './support/hostile-arbitraries';
import { schemaArbitrary, type JsonSchema } from './support/json-schema-arbitrary';
import { driftAlert, NotifierProcess, notifierEnv } from './support/notifier';
import { pollUntil } from './support/poll';
import { LearnerProcess } from './support/services';
import type { ServiceProcess } from './support/service-process';
import { serviceEnv, TestStack } from './support/test-stack';

/**
 * Issue #10 item 7, Kafka: raw bytes, hostile JSON and near-valid documents (made from the contracts' fixtures and
 * their JSON Schemas) produced straight to every topic a service consumes, bypassing the gateway, with hostile keys:
 * chorus.feedback.v1 (learner, drift-watch), chorus.exposures.v1 (drift-watch), chorus.items.v1 (the catalogue-change
 * consumers of learner and drift-watch), chorus.drift-alerts.v1 (notifier). The services run as real processes.
 *
 * After each batch a valid canary follows, and the property is: every consumer process is alive, the canary is
 * applied (a user model, drift state or stored alert appears for it), every consumer's committed position reaches the
 * end of the log (no partition stuck behind a poison message), and at least every message the contract refuses has
 * reached the consumer's dead-letter topic.
 *
 * FUZZ_RUNS messages per topic (CI default below) in batches of up to BATCH; seeded by FUZZ_SEED. A failing batch is
 * shrunk (bounded) by fast-check; between attempts the stack is reset: dead or stuck consumers are stopped, their
 * positions moved to the end of the log, and they are started again.
 */
const CI_MESSAGES_PER_TOPIC = 150;
const BATCH = 25;
const SETTLE_MS = 30_000;

type FuzzedTopic = 'feedback' | 'exposures' | 'items' | 'driftAlerts';

const jsonSchemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const contractsFixtures = join(__dirname, '..', 'libs', 'contracts', 'fixtures');

/** Valid documents of each topic: the contracts' fixtures and generated streams, and values shaped by the schema. */
const validOf: Record<FuzzedTopic, fc.Arbitrary<unknown>> = {
  feedback: fc.oneof(fc.constantFrom(...fixtures(join(contractsFixtures, 'valid')), ...commonFeedbackShapes, ...feedbackStream(8, { items: 20 })), schemaArbitrary(jsonSchemaOf(feedbackEventV1))),
  exposures: fc.oneof(
    fc.constant({ listId: 'list-1', userId: 'user-1', domain: 'movies', policy: 'accuracy', servedAt: '2026-01-01T00:00:00Z', items: [{ itemId: 'item-1', rank: 0, score: 0.5 }] }),
    schemaArbitrary(jsonSchemaOf(exposureV1)),
  ),
  items: fc.oneof(fc.constantFrom(...fixtures(join(contractsFixtures, 'items', 'valid'))), schemaArbitrary(jsonSchemaOf(itemV1))),
  driftAlerts: fc.oneof(fc.constantFrom(driftAlert(1), driftAlert(2, { scope: 'population', subject: 'movies' })), schemaArbitrary(jsonSchemaOf(driftAlertV1))),
};

/** Kafka keys: the usual ones, hostile text, raw bytes, none (except on a compacted topic, whose broker refuses that). */
const key = (compacted: boolean): fc.Arbitrary<Buffer | null> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('user-1', 'item-1', 'user:movies:user-1').map((k): Buffer | null => Buffer.from(k)) },
    { weight: 3, arbitrary: hostileString.map((k): Buffer | null => Buffer.from(k)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b): Buffer | null => Buffer.from(b)) },
    ...(compacted ? [] : [{ weight: 1, arbitrary: fc.constant(null) }]),
  );

const message = (topic: FuzzedTopic) =>
  fc.record({ key: key(topic === 'items'), value: fc.oneof({ weight: 30, arbitrary: hostileDocument(validOf[topic]) }, { weight: 1, arbitrary: fc.constant(null) }) });
type FuzzMessage = { key: Buffer | null; value: Buffer | null };

/** Whether the contract refuses a message value (so it must be dead-lettered by a consumer that validates it). */
function refusedBy(schema: z.ZodType, value: Buffer | null): boolean {
  if (value === null) return true;
  const text = value.toString('utf8');
  // Not UTF-8: a decoder replaces the bad bytes, which the contract cannot tell from the sender's text.
  if (!Buffer.from(text, 'utf8').equals(value)) return false;
  try {
    return !schema.safeParse(JSON.parse(text)).success;
  } catch {
    return true;
  }
}

describe('fuzz: every topic a service consumes', () => {
  const stack = new TestStack(2);
  let db: DataSource;
  let producer: Producer;
  let env: NodeJS.ProcessEnv;
  const learnerGroup = () => env.LEARNER_GROUP_ID!;
  const driftGroup = () => env.DRIFT_GROUP_ID!;
  const notifierGroup = () => env.NOTIFIER_GROUP_ID!;
  let learner: LearnerProcess;
  let drift: DriftWatchProcess;
  let notifier: NotifierProcess;
  let canaries = 0;
  /** Set when a batch failed: the next batch first resets the stack. */
  let dirty = false;

  const services = (): [string, ServiceProcess][] => [
    ['learner', learner],
    ['drift-watch', drift],
    ['notifier', notifier],
  ];

  beforeAll(async () => {
    await stack.start();
    const database = await stack.database();
    db = database.db;
    await seedCatalogue(db, catalogue(20));
    env = notifierEnv(stack, serviceEnv(stack, database.url, { ...DRIFT_TEST_ENV, DRIFT_RERANK_ENABLED: 'false', LEARNER_FLUSH_INTERVAL_MS: '100' }));
    learner = new LearnerProcess(env);
    drift = new DriftWatchProcess(env);
    notifier = new NotifierProcess(env);
    // One after another: three Node services booting at once on a busy 2-core machine can miss the health deadline.
    for (const [, service] of services()) await service.start();
    await awaitCatalogueGroups([]);
    producer = stack.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all([learner?.kill('SIGTERM'), drift?.kill('SIGTERM'), notifier?.kill('SIGTERM')]);
    await stack.stop();
  });

  /** High watermark per partition of a topic. */
  async function logEnd(topic: TopicKey): Promise<Map<number, number>> {
    return new Map((await stack.admin.fetchTopicOffsets(stack.topic(topic))).map((p) => [p.partition, Number(p.high)]));
  }

  /** Partitions where a group's offsets of record in Postgres are behind the log end. */
  async function behindInPostgres(groupId: string, topic: TopicKey): Promise<string[]> {
    const end = await logEnd(topic);
    const rows: { partition: number; next_offset: string }[] = await db.query(`SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2`, [groupId, stack.topic(topic)]);
    const stored = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
    return [...end].filter(([p, high]) => high > 0 && (stored.get(p) ?? 0) < high).map(([p, high]) => `${groupId} ${topic}[${p}] at ${stored.get(p) ?? 0} of ${high}`);
  }

  /** Partitions where a Kafka-committing group is behind the log end. */
  async function behindInKafka(groupId: string, topic: TopicKey): Promise<string[]> {
    const end = await logEnd(topic);
    const [committed] = await stack.admin.fetchOffsets({ groupId, topics: [stack.topic(topic)] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return [...end].filter(([p, high]) => high > 0 && (at.get(p) ?? -1) < high).map(([p, high]) => `${groupId} ${topic}[${p}] at ${at.get(p)} of ${high}`);
  }

  /** Catalogue-change groups with members (each learner and drift-watch instance has its own, starting at the log end). */
  async function catalogueGroups(): Promise<string[]> {
    const { groups } = await stack.admin.listGroups();
    const candidates = groups.map((g) => g.groupId).filter((g) => g.startsWith('chorus-learner-catalogue-') || g.startsWith('chorus-drift-watch-catalogue-'));
    if (candidates.length === 0) return [];
    const described = await stack.admin.describeGroups(candidates);
    // Group names are not per stack (other test files' services use the same broker): keep the groups reading ours.
    const readsOurs = (metadata: Buffer) => AssignerProtocol.MemberMetadata.decode(metadata)?.topics.includes(stack.topic('items')) ?? false;
    return described.groups.filter((g) => g.state === 'Stable' && g.members.some((m) => readsOurs(m.memberMetadata))).map((g) => g.groupId);
  }

  /** The groups of the learner and drift-watch just started, once they have joined (so they read what is sent next). */
  let liveCatalogueGroups: string[] = [];
  async function awaitCatalogueGroups(before: readonly string[]): Promise<void> {
    liveCatalogueGroups = await pollUntil(async () => (await catalogueGroups()).filter((g) => !before.includes(g)), (groups) => groups.length === 2, {
      what: 'the catalogue-change consumers of the learner and drift-watch to join',
      timeoutMs: 60_000,
      intervalMs: 250,
    });
  }

  async function dlqRecords(): Promise<Record<string, number>> {
    return { learner: await stack.records('feedbackDlq'), 'drift-watch': await stack.records('driftWatchDlq'), notifier: await stack.records('notifierDlq') };
  }

  /**
   * Bring the consumers of a topic back after a failed batch: stop them, move their positions to the end of every log
   * they read (past the poison), start them again. Only ever runs after a failure (fast-check's shrinking runs batches
   * again).
   */
  async function reset(topic: FuzzedTopic): Promise<void> {
    if (topic === 'driftAlerts') return resetNotifier();
    await Promise.all([learner.kill(), drift.kill()]);
    for (const topic of ['feedback', 'exposures'] as const) {
      for (const [partition, high] of await logEnd(topic)) {
        await db.query(`UPDATE consumer_offsets SET next_offset = $1 WHERE topic = $2 AND partition = $3 AND group_id = ANY($4)`, [high, stack.topic(topic), partition, [learnerGroup(), driftGroup()]]);
      }
    }
    const before = await catalogueGroups();
    await learner.start();
    await drift.start();
    await awaitCatalogueGroups(before);
  }

  async function resetNotifier(): Promise<void> {
    await notifier.kill();
    // A killed member leaves the group only when its session times out; offsets can be set once the group is empty.
    await pollUntil(async () => (await stack.admin.describeGroups([notifierGroup()])).groups[0]?.state, (state) => state === 'Empty' || state === 'Dead', { what: 'the notifier group to empty', timeoutMs: 60_000 });
    const end = await logEnd('driftAlerts');
    await stack.admin.setOffsets({ groupId: notifierGroup(), topic: stack.topic('driftAlerts'), partitions: [...end].map(([partition, high]) => ({ partition, offset: String(high) })) });
    await notifier.start();
  }

  /** A valid message the services must apply after a batch, and how to see that they did. */
  async function sendCanary(topic: FuzzedTopic): Promise<() => Promise<boolean>> {
    const n = ++canaries;
    const userId = `canary-${n}`;
    const [event] = feedbackStream(1, { users: 1, items: 20, seed: 1_000 + n }).map((e) => ({ ...e, userId, eventId: seededUuid(`canary:${n}`) }));
    const userApplied = async () => {
      const [model] = await db.query(`SELECT events_seen FROM user_models WHERE user_id = $1`, [userId]);
      const [state] = await db.query(`SELECT events_seen FROM drift_user_state WHERE user_id = $1`, [userId]);
      return Number(model?.events_seen ?? 0) >= 1 && Number(state?.events_seen ?? 0) >= 1;
    };
    if (topic === 'driftAlerts') {
      const alert = driftAlert(100_000 + n);
      await producer.send({ topic: stack.topic('driftAlerts'), messages: [{ key: driftAlertKey(alert), value: JSON.stringify(alert) }] });
      return async () => (await db.query(`SELECT 1 FROM notifier_alerts WHERE alert_id = $1`, [alert.alertId])).length === 1;
    }
    if (topic === 'items') {
      // A real catalogue change (as the gateway makes one), then feedback on that item.
      const item = { itemId: 'item-1', domain: 'movies', categories: { drama: 1, [`canary-${n}`]: 1 } };
      await seedCatalogue(db, [item]);
      await producer.send({ topic: stack.topic('items'), messages: [{ key: item.itemId, value: JSON.stringify(item) }] });
    }
    if (topic === 'exposures') {
      const exposure = { listId: `canary-list-${n}`, userId, domain: 'movies', policy: 'accuracy', servedAt: event!.occurredAt, items: [{ itemId: 'item-2', rank: 0, score: 0.5 }] };
      await producer.send({ topic: stack.topic('exposures'), messages: [{ key: userId, value: JSON.stringify(exposure) }] });
    }
    await producer.send({ topic: stack.topic('feedback'), messages: [{ key: userId, value: JSON.stringify(event) }] });
    return userApplied;
  }

  /** Everything that must hold once a batch and its canary are in: what is still wrong (empty when all holds). */
  async function problems(topic: FuzzedTopic, applied: () => Promise<boolean>, dlqBefore: Record<string, number>, refused: Record<string, number>): Promise<string[]> {
    const found: string[] = [];
    for (const [name, service] of services()) if (!service.running) found.push(`${name} exited: ${service.lastErrors()}`);
    if (!(await applied())) found.push(`the valid canary after the batch was not applied`);
    found.push(...(await behindInPostgres(learnerGroup(), 'feedback')), ...(await behindInPostgres(driftGroup(), 'feedback')), ...(await behindInPostgres(driftGroup(), 'exposures')));
    found.push(...(await behindInKafka(notifierGroup(), 'driftAlerts')));
    if (topic === 'items') {
      const joined = await catalogueGroups();
      for (const group of liveCatalogueGroups) {
        if (!joined.includes(group)) found.push(`catalogue-change group ${group} has no member`);
        found.push(...(await behindInKafka(group, 'items')));
      }
    }
    const dlq = await dlqRecords();
    for (const [consumer, count] of Object.entries(refused)) {
      if (dlq[consumer]! - dlqBefore[consumer]! < count) found.push(`${consumer} dead-lettered ${dlq[consumer]! - dlqBefore[consumer]!} of the ${count} messages the contract refuses`);
    }
    return found;
  }

  /** Fuzz one topic: batches of hostile messages, each followed by a canary; returns the surface's tally. */
  async function fuzzTopic(topic: FuzzedTopic, refusedBySchema: Record<string, z.ZodType>): Promise<SurfaceTally> {
    const t = tally(`topic ${topic}`);
    const runs = fuzzRuns(CI_MESSAGES_PER_TOPIC);
    const batch = fc.array(message(topic), { minLength: 1, maxLength: Math.min(BATCH, runs), size: 'max' });
    const property = fc.asyncProperty(fc.limitShrink(batch, 20), async (messages: FuzzMessage[]) => {
      if (dirty) {
        await reset(topic);
        dirty = false;
      }
      t.cases += messages.length;
      const dlqBefore = await dlqRecords();
      const refused = Object.fromEntries(Object.entries(refusedBySchema).map(([consumer, schema]) => [consumer, messages.filter((m) => refusedBy(schema, m.value)).length]));
      await sendBounded(producer, stack.topic(topic), messages as Message[]);
      const applied = await sendCanary(topic);
      let last: string[] = [];
      try {
        await pollUntil(async () => (last = await problems(topic, applied, dlqBefore, refused)), (p) => p.length === 0 || p.some((x) => x.includes(' exited: ')), {
          what: 'the batch to be consumed and the canary applied',
          timeoutMs: SETTLE_MS,
          intervalMs: 250,
        });
      } catch {
        // The deadline passed: `last` says what was still wrong.
      }
      if (last.length > 0) {
        dirty = true;
        if (last.some((p) => p.includes(' exited: ') || p.includes('not applied') || p.includes(' at '))) t.stoppedConsumers++;
        // Printed as it happens: shrinking takes a while, and the first symptom is often the clearest.
        console.error(`[fuzz] topic ${topic}: a batch of ${messages.length} failed: ${last.map((p) => p.slice(0, 600)).join(' | ')}`);
        throw new Error(`after ${messages.length} messages on ${topic} (${messages.map((m) => describeBytes(m.value ?? Buffer.alloc(0), 120)).slice(0, 3).join(', ')}…):\n${last.join('\n')}`);
      }
    });
    let round = 0;
    while (t.cases < runs && t.failures.length === 0) {
      const remaining = runs - t.cases;
      const failure = failureOf(await fc.check(property, fuzzParameters(`topic ${topic} #${round++}`, Math.max(1, Math.ceil(remaining / (BATCH / 2))))));
      if (failure) t.failures.push(`${topic}\n${failure}`);
    }
    report(t);
    return t;
  }

  it('chorus.feedback.v1: the learner and drift-watch keep consuming and dead-letter what the contract refuses', { timeout: 1_800_000 }, async () => {
    const t = await fuzzTopic('feedback', { learner: feedbackEventV1, 'drift-watch': feedbackEventV1 });
    expect(t.failures).toEqual([]);
  });

  it('chorus.exposures.v1: drift-watch keeps consuming and dead-letters what the contract refuses', { timeout: 1_800_000 }, async () => {
    const t = await fuzzTopic('exposures', { 'drift-watch': exposureV1 });
    expect(t.failures).toEqual([]);
  });

  it('chorus.items.v1: the catalogue-change consumers of learner and drift-watch keep consuming', { timeout: 1_800_000 }, async () => {
    const t = await fuzzTopic('items', {});
    expect(t.failures).toEqual([]);
  });

  it('chorus.drift-alerts.v1: the notifier keeps consuming and dead-letters what the contract refuses', { timeout: 1_800_000 }, async () => {
    const t = await fuzzTopic('driftAlerts', { notifier: driftAlertV1 });
    expect(t.failures).toEqual([]);
  });
});
