/**
 * Calibrated reranking throughput, two figures measured in one run:
 *
 * 1. users reranked per second by `calibratedRerank` alone (one thread, C = 500 candidates, n = 20, G = 20 genres,
 *    1–3 genres per item like MovieLens, λ = 0.5), against building the accuracy list (sort by score, top n) of the
 *    same inputs;
 * 2. rerank jobs/s ÷ no-op jobs/s on the real Redis at the same worker concurrency: the reranker runtime (BullMQ
 *    worker → Postgres reads → score → greedy → insert → Kafka completion event) against a BullMQ worker whose
 *    processor returns at once, over the same number of jobs with the same job options. Jobs are queued while the
 *    queue is paused and the worker is up; the clock runs from resume to the last completion. Rounds alternate.
 *
 * 3. batched fan-out: a `population` fan-out through the same runtime, users in `rerank-batch` jobs of --batch users
 *    (RERANK_BATCH_SIZE); the clock runs from resume to the last batch's completion. Printed as users/s and as a
 *    ratio to (1), the greedy alone: what the queue, Postgres and Kafka leave of the greedy's rate.
 * 4. fan-out growth: the same batched fan-out over --fan-out-sizes users, made by copying the learned users' models
 *    and interactions under new ids in SQL (learning 100k users through the learner would take longer than the
 *    bench); wall time per size, so the growth shows.
 *
 * A reranker process computes on one Node thread (RERANK_CONCURRENCY overlaps a job's I/O with another's CPU, not
 * CPU with CPU), so a fan-out scales by reranker processes sharing the queue. With --processes N > 1, (3) also runs
 * with N reranker processes (dist/services/reranker, real OS processes) after the in-process one, each round, and (4)
 * runs with N processes. Every fan-out also prints the reranker CPU time per user (utime + stime of the process(es)
 * that reranked, from /proc for child processes), which a loaded machine moves less than the wall time.
 *
 * The users of (2) and (3) are learned by the real learner from a seeded feedback stream before timing starts. The
 * greedy's rate (1) is also given per CPU second of this process: on a shared, loaded machine it moves less.
 *
 *   npm run bench:rerank -- [--users 1000] [--concurrency 2] [--rounds 2] [--pure-users 2000] [--batch 100]
 *                           [--fan-out-sizes 2000,10000] [--processes 1]
 */
import 'reflect-metadata';
import { feedbackEventV1, topicName, type ItemV1 } from '@chorus/contracts';
import { NestFactory } from '@nestjs/core';
import { createDataSource, JsonLogger, OffsetsOfRecordTransport, RERANK_QUEUE, RerankQueue, startHybridService } from '@chorus/platform';
import { RewardModelsRepository } from '@chorus/scoring';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { loadLearnerConfig } from '../services/learner/src/learner.config';
import { FeedbackIngestService } from '../services/learner/src/consumers/feedback-ingest.service';
import { LearnerModule } from '../services/learner/src/learner.module';
import { loadRerankerConfig } from '../services/reranker/src/reranker.config';
import { RerankerModule } from '../services/reranker/src/reranker.module';
import { mulberry32 } from '@chorus/random';
import { seededUuid } from '../test/support/feedback-factory';
import { RerankerProcess } from '../test/support/reranker';
import { benchStack, flag } from './bench-stack';
import { genresOf, GREEDY_SHAPE, greedyThroughput } from './greedy-throughput';
import { probeLearner } from './learner-probe';

const USERS = flag('users', 1000);
const CONCURRENCY = flag('concurrency', 2);
const ROUNDS = flag('rounds', 2);
const PURE_USERS = flag('pure-users', 2000);
const BATCH = flag('batch', 100);
const PROCESSES = flag('processes', 1);
if (!Number.isInteger(PROCESSES)) throw new Error(`--processes expects a whole number of reranker processes, got ${PROCESSES}`);
const FAN_OUT_SIZES = (process.argv.find((_, k) => process.argv[k - 1] === '--fan-out-sizes') ?? '2000,10000').split(',').map(Number);
if (!FAN_OUT_SIZES.every((size) => Number.isInteger(size) && size > 0)) throw new Error('--fan-out-sizes expects comma-separated positive integers, e.g. 2000,10000');
const { candidates: C, n: N, genres: G } = GREEDY_SHAPE;
const ITEMS = 1000;
const HISTORY = 30;
const REDIS_URL = 'redis://127.0.0.1:6379';
async function main(): Promise<void> {
  const pure = greedyThroughput(PURE_USERS);
  process.stdout.write(
    `calibratedRerank: ${fmt(pure.rerankPerSecond)} users/s (λ = 0.5; ${fmt(pure.rerankPerCpuSecond)} per CPU second); accuracy list (sort, top n): ${fmt(pure.accuracyPerSecond)} users/s\n`,
  );

  const stack = await benchStack('rerank', 3);
  const db = await createDataSource(stack.databaseUrl, { applicationName: 'bench-rerank' }).initialize();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefixes: string[] = [];
  try {
    await seedModels(stack, db);
    const noOp: number[] = [];
    const rerank: number[] = [];
    const batched: number[] = [];
    const batchedCpuMs: number[] = [];
    const spread: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const noOpPrefix = `bench-noop-${stack.id}-${round}`;
      const rerankPrefix = `bench-rerank-${stack.id}-${round}`;
      const batchedPrefix = `bench-batched-${stack.id}-${round}`;
      prefixes.push(noOpPrefix, rerankPrefix, batchedPrefix);
      noOp.push(await noOpJobs(redis, noOpPrefix));
      rerank.push(await rerankJobs(stack, db, rerankPrefix));
      const inProcess = await batchedFanOut(stack, db, batchedPrefix, USERS, 1);
      batched.push(inProcess.usersPerSecond);
      batchedCpuMs.push(inProcess.cpuMsPerUser);
      if (PROCESSES > 1) {
        prefixes.push(`${batchedPrefix}-p`);
        spread.push((await batchedFanOut(stack, db, `${batchedPrefix}-p`, USERS, PROCESSES)).usersPerSecond);
      }
      const spreadNote = PROCESSES > 1 ? `, over ${PROCESSES} processes ${fmt(spread.at(-1)!)} users/s` : '';
      process.stdout.write(`round ${round}: no-op ${fmt(noOp.at(-1)!)} jobs/s, rerank ${fmt(rerank.at(-1)!)} jobs/s, batched fan-out ${fmt(batched.at(-1)!)} users/s${spreadNote}\n`);
    }
    const growth: { users: number; seconds: number; usersPerSecond: number; cpuMsPerUser: number }[] = [];
    for (const size of FAN_OUT_SIZES) {
      await cloneUsers(db, size);
      const prefix = `bench-growth-${stack.id}-${size}`;
      prefixes.push(prefix);
      growth.push({ users: size, ...(await batchedFanOut(stack, db, prefix, size, PROCESSES)) });
      process.stdout.write(`fan-out over ${fmt(size)} users: ${growth.at(-1)!.seconds.toFixed(1)} s\n`);
    }
    const best = (xs: number[]) => Math.max(...xs);
    process.stdout.write(
      [
        '',
        `calibrated reranking throughput (C = ${C}, n = ${N}, G = ${G}; ${USERS} users, worker concurrency ${CONCURRENCY}, best of ${ROUNDS} rounds)`,
        `  calibratedRerank alone, one thread        ${fmt(pure.rerankPerSecond)} users/s   (accuracy list by sort: ${fmt(pure.accuracyPerSecond)} users/s; ratio ${(pure.rerankPerSecond / pure.accuracyPerSecond).toFixed(2)})`,
        `  BullMQ no-op jobs                          ${fmt(best(noOp))} jobs/s`,
        `  rerank jobs (Postgres + greedy + Kafka)    ${fmt(best(rerank))} jobs/s`,
        `  ratio rerank ÷ no-op                       ${(best(rerank) / best(noOp)).toFixed(3)}`,
        `  batched fan-out (batches of ${BATCH})          ${fmt(best(batched))} users/s`,
        `  ratio batched ÷ calibratedRerank alone     ${(best(batched) / pure.rerankPerSecond).toFixed(3)}   (target ≥ 0.5)`,
        // Per CPU second both sides are one thread's work, which the machine's load moves less than the wall time.
        `  per CPU second: batched ${fmt(1000 / Math.min(...batchedCpuMs))} users (the reranker process, bench polling included) ÷ calibratedRerank alone ${fmt(pure.rerankPerCpuSecond)} = ${(1000 / Math.min(...batchedCpuMs) / pure.rerankPerCpuSecond).toFixed(3)}`,
        ...(PROCESSES > 1
          ? [
              `  batched fan-out, ${PROCESSES} reranker processes   ${fmt(best(spread))} users/s`,
              `  ratio ${PROCESSES} processes ÷ calibratedRerank alone ${(best(spread) / pure.rerankPerSecond).toFixed(3)}   (target ≥ 0.5; ${(best(spread) / best(batched)).toFixed(2)}× one process)`,
            ]
          : []),
        '',
        `fan-out wall time (population, batches of ${BATCH}, worker concurrency ${CONCURRENCY}, ${PROCESSES} reranker process${PROCESSES > 1 ? 'es' : ''}; users copied from the learned ones)`,
        ...growth.map((g) => `  ${fmt(g.users).padStart(9)} users   ${g.seconds.toFixed(1).padStart(7)} s   ${fmt(g.usersPerSecond)} users/s   ${g.cpuMsPerUser.toFixed(2)} CPU ms per user`),
        '',
      ].join('\n'),
    );
  } finally {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
    await db.destroy();
    await stack.teardown();
  }
}

/** Catalogue of 1000 items over 20 genres, and USERS users with 30 ratings each, learned by the real learner. */
async function seedModels(stack: Awaited<ReturnType<typeof benchStack>>, db: Awaited<ReturnType<typeof createDataSource>>): Promise<void> {
  const random = mulberry32(7);
  const items: ItemV1[] = Array.from({ length: ITEMS }, (_, i) => ({ itemId: `item-${i}`, domain: 'movies', categories: genresOf(random) }));
  await new ItemsRepository(db).upsert(items);
  const events = [];
  let n = 0;
  for (let u = 0; u < USERS; u++) {
    for (let k = 0; k < HISTORY; k++) {
      events.push(
        feedbackEventV1.parse({
          eventId: seededUuid(`bench-rerank:${n}`),
          userId: `user-${u}`,
          domain: 'movies',
          occurredAt: new Date(Date.UTC(2026, 0, 1) + n++ * 1000).toISOString(),
          type: 'rating',
          itemId: `item-${Math.floor(random() * ITEMS)}`,
          value: 1 + Math.floor(random() * 5),
        }),
      );
    }
  }
  const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < events.length; i += 5000) {
    await producer.send({ topic: topicName('feedback', stack.prefix), messages: events.slice(i, i + 5000).map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
  }
  await producer.disconnect();
  const config = loadLearnerConfig({ KAFKA_TOPIC_PREFIX: stack.prefix, DATABASE_URL: stack.databaseUrl, LEARNER_GROUP_ID: `bench-${stack.id}`, FEEDBACK_PARTITIONS: '3', LOG_LEVEL: 'warn' });
  let fatal: Error | undefined;
  const learner = await NestFactory.create(LearnerModule.register(config, (error) => (fatal = error)), { logger: new JsonLogger('bench-learner', 'warn') });
  const probe = probeLearner(learner.get(FeedbackIngestService));
  await startHybridService(learner, OffsetsOfRecordTransport, { port: 0, host: '127.0.0.1' });
  await probe.committed(events.length);
  await learner.close();
  if (fatal) throw fatal;
  process.stdout.write(`seeded ${USERS} users × ${HISTORY} ratings over ${ITEMS} items (${G} genres) through the learner\n`);
}

const jobOptions = { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } };

async function waitForCompleted(queue: Queue, count: number): Promise<void> {
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    if (counts.failed! > 0) throw new Error(`${counts.failed} bench jobs failed`);
    if (counts.completed! >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Baseline: a BullMQ worker whose processor does nothing, same queue name, job options and concurrency. */
async function noOpJobs(redis: Redis, prefix: string): Promise<number> {
  const queue = new Queue(RERANK_QUEUE, { connection: redis, prefix });
  const jobs = Array.from({ length: USERS }, (_, u) => ({ name: 'rerank-user', data: { u }, opts: { ...jobOptions, jobId: `noop.${u}` } }));
  // Queue paused while the jobs go in and the worker connects: the clock covers processing only, as for reranking.
  await queue.pause();
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  const worker = new Worker(RERANK_QUEUE, async () => ({ outcome: 'noop' }), { connection: redis, prefix, concurrency: CONCURRENCY });
  await worker.waitUntilReady();
  const started = process.hrtime.bigint();
  await queue.resume();
  await waitForCompleted(queue, USERS);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.close();
  await queue.close();
  return USERS / seconds;
}

/** The reranker runtime on one job per user (each user's deterministic job id), queued before the worker starts. */
async function rerankJobs(stack: Awaited<ReturnType<typeof benchStack>>, db: Awaited<ReturnType<typeof createDataSource>>, prefix: string): Promise<number> {
  await db.query(`TRUNCATE calibrated_lists`);
  const config = benchRerankerConfig(stack, prefix);
  const models = new RewardModelsRepository(db);
  const producerQueue = RerankQueue.fromConfig(config, models);
  const userIds = Array.from({ length: USERS }, (_, u) => `user-${u}`);
  await producerQueue.queue.pause();
  await producerQueue.enqueue({ scope: 'user', domain: 'movies', userIds, reason: { kind: 'manual' } });
  const reranker = await NestFactory.create(RerankerModule.register(config), { logger: new JsonLogger('bench-reranker', 'warn') });
  await reranker.init();
  const started = process.hrtime.bigint();
  await producerQueue.queue.resume();
  await waitForCompleted(producerQueue.queue, USERS);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await reranker.close();
  await producerQueue.close();
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM calibrated_lists`);
  if (n !== USERS) throw new Error(`expected ${USERS} calibrated lists, found ${n}`);
  return USERS / seconds;
}

/**
 * A population fan-out through the reranker with batched jobs: queued while the queue is paused, timed from resume
 * until every batch completed and `expected` lists are stored. One process: the reranker's Nest module in this
 * process. More: that many reranker OS processes (dist/services/reranker) on the same queue.
 */
async function batchedFanOut(
  stack: Awaited<ReturnType<typeof benchStack>>,
  db: Awaited<ReturnType<typeof createDataSource>>,
  prefix: string,
  expected: number,
  processes: number,
): Promise<{ seconds: number; usersPerSecond: number; cpuMsPerUser: number }> {
  await db.query(`TRUNCATE calibrated_lists`);
  const env = benchRerankerEnv(stack, prefix);
  const config = loadRerankerConfig(env);
  const producerQueue = RerankQueue.fromConfig(config, new RewardModelsRepository(db));
  await producerQueue.queue.pause();
  const [fanOut] = await producerQueue.enqueue({ scope: 'population', domain: 'movies', reason: { kind: 'manual' } });
  const rerankers = processes === 1 ? await inProcessReranker(config) : await rerankerProcesses(env, processes);
  const cpuBefore = rerankers.cpuSeconds();
  const started = process.hrtime.bigint();
  await producerQueue.queue.resume();
  await waitForCompleted(producerQueue.queue, 1 + Math.ceil(expected / BATCH));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMsPerUser = ((rerankers.cpuSeconds() - cpuBefore) * 1000) / expected;
  const fanOutJob = await producerQueue.queue.getJob(fanOut!.jobId);
  const phases = await rerankers.phaseSeconds();
  process.stdout.write(
    `  batch phases over ${fmt(expected)} users, ${processes} process${processes > 1 ? 'es' : ''} (ms per user, summed over concurrent jobs): ${[...phases].map(([phase, sum]) => `${phase} ${((sum * 1000) / expected).toFixed(2)}`).join(', ')}; reranker CPU ${cpuMsPerUser.toFixed(2)} ms per user\n`,
  );
  await rerankers.close();
  await producerQueue.close();
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM calibrated_lists`);
  if (n !== expected || fanOutJob?.returnvalue?.users !== expected) throw new Error(`expected ${expected} calibrated lists, found ${n} (fan-out: ${JSON.stringify(fanOutJob?.returnvalue)})`);
  return { seconds, usersPerSecond: expected / seconds, cpuMsPerUser };
}

/** Rerankers as the fan-out sees them: their CPU time so far, their batch phases' summed seconds, and how to stop them. */
interface Rerankers {
  cpuSeconds(): number;
  phaseSeconds(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** The reranker's Nest module in this process (its CPU time is this process's, the bench's polling included). */
async function inProcessReranker(config: ReturnType<typeof loadRerankerConfig>): Promise<Rerankers> {
  const reranker = await NestFactory.create(RerankerModule.register(config), { logger: new JsonLogger('bench-reranker', 'warn') });
  await reranker.init();
  return {
    cpuSeconds: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    phaseSeconds: async () => {
      const values = (await reranker.get(Registry).getSingleMetric('reranker_batch_phase_seconds')!.get()).values;
      return new Map(values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_sum')).map((v) => [String(v.labels.phase), v.value]));
    },
    close: () => reranker.close(),
  };
}

/** `count` reranker OS processes on the bench's queue, each with its own worker, pools and caches; started and healthy. */
async function rerankerProcesses(env: Record<string, string>, count: number): Promise<Rerankers> {
  const children = Array.from({ length: count }, () => new RerankerProcess(env));
  try {
    await Promise.all(children.map((child) => child.start()));
  } catch (error) {
    await Promise.all(children.map((child) => child.kill()));
    throw error;
  }
  return {
    cpuSeconds: () => children.reduce((sum, child) => sum + processCpuSeconds(child.pid!), 0),
    phaseSeconds: async () => {
      const sums = new Map<string, number>();
      for (const child of children) {
        for (const line of (await child.metrics()).split('\n')) {
          const match = /^reranker_batch_phase_seconds_sum\{[^}]*phase="([^"]+)"[^}]*\} (\S+)$/.exec(line);
          if (match) sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
        }
      }
      return sums;
    },
    close: async () => {
      await Promise.all(children.map((child) => child.kill('SIGTERM')));
    },
  };
}

/** utime + stime of a process, from /proc/<pid>/stat (Linux; clock ticks of 1/100 s). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Copies of the learned users (models and interactions) under new ids until the domain has `size` users. */
async function cloneUsers(db: Awaited<ReturnType<typeof createDataSource>>, size: number): Promise<void> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM user_models WHERE domain = 'movies'`);
  if (n >= size) return;
  // Copies are numbered on from the users already there, so a larger size adds to a smaller one's copies.
  await db.query(
    `INSERT INTO user_models (user_id, domain, state, events_seen)
       SELECT 'copy-' || ($3::int + copy.i) || '-' || copy.user_id, copy.domain, copy.state, copy.events_seen
         FROM (SELECT row_number() OVER () AS i, m.*
                 FROM generate_series(1, $1::int) AS k CROSS JOIN (SELECT * FROM user_models WHERE domain = 'movies' AND user_id LIKE 'user-%' ORDER BY user_id) m
                LIMIT $2) copy`,
    [Math.ceil((size - n) / USERS), size - n, n],
  );
  await db.query(
    `INSERT INTO user_item_batches (user_id, domain, item_ids)
       SELECT c.user_id, b.domain, b.item_ids FROM user_models c JOIN user_item_batches b ON b.user_id = substring(c.user_id from '^copy-[0-9]+-(.*)$')
        WHERE c.user_id LIKE 'copy-%' AND NOT EXISTS (SELECT 1 FROM user_item_batches x WHERE x.user_id = c.user_id)`,
  );
}

/** The reranker's configuration for this bench's stack and queue prefix: C, n, batch size and concurrency as above. */
function benchRerankerConfig(stack: Awaited<ReturnType<typeof benchStack>>, prefix: string) {
  return loadRerankerConfig(benchRerankerEnv(stack, prefix));
}

/** The reranker's environment for this bench (what {@link benchRerankerConfig} loads, and what reranker processes get). */
function benchRerankerEnv(stack: Awaited<ReturnType<typeof benchStack>>, prefix: string): Record<string, string> {
  return {
    KAFKA_TOPIC_PREFIX: stack.prefix,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL,
    RERANK_QUEUE_PREFIX: prefix,
    RERANK_CONCURRENCY: String(CONCURRENCY),
    RERANK_CANDIDATES: String(C),
    RERANK_LIST_SIZE: String(N),
    RERANK_BATCH_SIZE: String(BATCH),
    FEEDBACK_PARTITIONS: '3',
    LOG_LEVEL: 'warn',
  };
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
