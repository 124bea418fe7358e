/**
 * bench:serve — `GET /v1/users/:id/recommendations` at scale (issue #14, part 4).
 *
 * In a stack of its own (topic prefix, database, quota namespace), one domain per catalogue size (--items), each with
 * a synthetic aggregate (category weights and item intercepts for 30% of the items) and --users users with a
 * deviation over four categories and 30 items seen, written straight to Postgres (learning 100k users through the
 * learner would take longer than the bench; the route reads what the learner writes, in the learner's format). The
 * gateway runs as a real OS process (dist/) with SERVING_POLICY=accuracy, so every request retrieves candidates and
 * scores them (the calibrated policy would mostly serve stored lists).
 *
 * Per size, `--clients` concurrent clients call, alternately for `--rounds` rounds of `--seconds`:
 *   - the trivial authenticated read route, `GET /v1/items/:id` (API key check, quota, one primary-key read);
 *   - `GET /v1/users/:id/recommendations?n=…` for random users (candidate retrieval, scoring, the exposure logged to
 *     Kafka).
 * Requests/s of each (medians over rounds), their ratio, and p50/p99 latency of all timed recommendation requests.
 *
 * Recall@C of the candidate index: for --recall-users users per size, in this process, the same scorer the gateway
 * runs (`PersonalizedScorer`) against a full scan of the catalogue with the same model (every unseen item scored,
 * sorted): |index top C ∩ full-scan top C| / C, with the time per user of each and the items the index scored.
 *
 *   npm run bench:serve -- [--items 10000,100000] [--users 100000] [--clients 16] [--seconds 8] [--rounds 2] [--n 20]
 */
import 'reflect-metadata';
import { createDataSource, ApiKeyRepository } from '@chorus/platform';
import { mulberry32 } from '@chorus/random';
import { CandidateIndex, encodeUserModelState, ModelPriors, PersonalizedScorer, retrieveCandidates, RewardModelsRepository } from '@chorus/scoring';
import type { DataSource } from 'typeorm';
import { runCommand } from '../scripts/command-line';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { loadGatewayConfig } from '../services/gateway/src/gateway.config';
import { GatewayProcess } from '../test/support/services';
import { benchStack } from './bench-stack';
import { writeBenchResult } from './scale/bench-result';
import { latencySummary, median } from './scale/percentile';
import { serviceEnv } from './scale/service-run';
import { textTable } from './scale/text-table';
import { parseServeOptions, SERVE_USAGE, type ServeOptions } from './serve/serve-options';

const GENRES = 20;
const HISTORY = 30;
const WARM_UP_SECONDS = 2;

interface Window {
  requests: number;
  requestsPerSecond: number;
  latenciesMs: number[];
}

interface SizeResult {
  items: number;
  trivialPerSecond: number;
  recommendationsPerSecond: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  trivialP50Ms: number;
  recall: {
    users: number;
    candidates: number;
    /** |index top C ∩ full-scan top C| / C by item id. */
    recallAtC: number;
    minRecall: number;
    /** The same, counting an index item tied with the full scan's C-th score (within 1e-9) as found: ties are broken differently. */
    recallUpToTies: number;
    indexMsPerUser: number;
    fullScanMsPerUser: number;
    scoredPerUser: number;
    /** Building the index from the catalogue in memory (what a catalogue change costs). */
    buildMs: number;
    /** The index's time for the served list alone (C = n, what the route asks it for). */
    indexMsPerUserAtN: number;
  };
}

async function main(): Promise<void> {
  const options = parseServeOptions();
  const stack = await benchStack('serve', 3);
  const db = await createDataSource(stack.databaseUrl, { poolSize: 2, applicationName: 'bench-serve' }).initialize();
  const env = { ...serviceEnv(stack, 3), QUOTA_REDIS_PREFIX: `chorus-${stack.id}`, GATEWAY_QUOTA_READ: '10000000', SERVING_POLICY: 'accuracy', LEARNER_TAU2: '1' };
  const gateway = new GatewayProcess(env);
  try {
    const key = (await new ApiKeyRepository(db).create('bench-serve', ['read'])).key;
    for (const size of options.items) await seedDomain(db, domainOf(size), size, options.users);
    await gateway.start();
    const results: SizeResult[] = [];
    for (const size of options.items) {
      const domain = domainOf(size);
      process.stdout.write(`\n== ${size.toLocaleString('en-US')} items, ${options.users.toLocaleString('en-US')} users, ${options.clients} clients, ${options.seconds} s windows\n`);
      const random = mulberry32(size);
      const trivial = () => get(gateway.url, key, `/v1/items/${itemId(size, Math.floor(random() * size))}`);
      const recommend = () => get(gateway.url, key, `/v1/users/u-${Math.floor(random() * options.users)}/recommendations?domain=${domain}&n=${options.n}`);
      // The first request of a domain loads its catalogue and builds the index; the warm-up pays for it.
      await run(recommend, options.clients, WARM_UP_SECONDS);
      await run(trivial, options.clients, WARM_UP_SECONDS);
      const trivialWindows: Window[] = [];
      const recommendationWindows: Window[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        trivialWindows.push(await run(trivial, options.clients, options.seconds));
        recommendationWindows.push(await run(recommend, options.clients, options.seconds));
        process.stdout.write(`round ${round}: trivial ${fmt(trivialWindows.at(-1)!.requestsPerSecond)} req/s, recommendations ${fmt(recommendationWindows.at(-1)!.requestsPerSecond)} req/s\n`);
      }
      const latency = latencySummary(recommendationWindows.flatMap((w) => w.latenciesMs));
      const trivialLatency = latencySummary(trivialWindows.flatMap((w) => w.latenciesMs));
      const trivialPerSecond = median(trivialWindows.map((w) => w.requestsPerSecond));
      const recommendationsPerSecond = median(recommendationWindows.map((w) => w.requestsPerSecond));
      const recall = await measureRecall(db, env, domain, options);
      process.stdout.write(`recall@${options.candidates} over ${recall.users} users: ${recall.recallAtC.toFixed(4)} by item (min ${recall.minRecall.toFixed(4)}), ${recall.recallUpToTies.toFixed(4)} up to ties at the C-th score\n`);
      results.push({ items: size, trivialPerSecond, recommendationsPerSecond, ratio: recommendationsPerSecond / trivialPerSecond, p50Ms: latency.p50, p99Ms: latency.p99, trivialP50Ms: trivialLatency.p50, recall });
    }
    printTable(results, options);
    writeBenchResult(options.out, 'serve.json', { options, results });
  } finally {
    await gateway.kill('SIGTERM');
    await db.destroy();
    await stack.teardown();
  }
}

const domainOf = (size: number) => `serve-${size}`;
/** Item ids are global (items.item_id is the key), so each domain's carry its size. */
const itemId = (size: number, i: number) => `s${size}-it-${i}`;

/**
 * A catalogue of `size` items over 20 genres (1–3 each, as MovieLens), an aggregate shard with genre weights and
 * intercepts for 30% of the items, and `users` users each with a deviation over four genres (two liked, one disliked,
 * one mildly liked: mixed signs, as learned deviations have) and 30 items seen.
 */
async function seedDomain(db: DataSource, domain: string, size: number, users: number): Promise<void> {
  const started = Date.now();
  const random = mulberry32(size + 1);
  const items = Array.from({ length: size }, (_, i) => {
    const genres = new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.floor(random() * GENRES)));
    return { itemId: itemId(size, i), domain, categories: Object.fromEntries([...genres].map((g) => [`g${g}`, 1 / genres.size])) };
  });
  const repository = new ItemsRepository(db);
  for (let i = 0; i < items.length; i += 5000) await repository.upsert(items.slice(i, i + 5000));
  const state: Record<string, [number, number]> = { bias: [-0.2, 0.001] };
  for (let g = 0; g < GENRES; g++) state[`cat:g${g}`] = [(random() - 0.5) * 0.6, 0.001];
  for (let i = 0; i < size; i++) if (random() < 0.3) state[`item:${itemId(size, i)}`] = [(random() + random() + random() - 1.5) * 1.2, 0.01];
  await db.query(`INSERT INTO aggregate_shards (domain, shard, state, events_seen) VALUES ($1, 0, $2, 1000000)`, [domain, JSON.stringify(state)]);
  // Deterministic per user (no random(), so a re-run seeds the same users); states as the learner writes them.
  const userState = (k: number) =>
    encodeUserModelState({
      tau2: 1,
      weights: {
        bias: [((k * 37) % 100) / 250 - 0.2, 0.05],
        [`cat:g${k % 20}`]: [0.8 + ((k * 13) % 100) / 100, 0.05],
        [`cat:g${(k * 7 + 3) % 20}`]: [0.3 + ((k * 29) % 100) / 200, 0.05],
        [`cat:g${(k * 11 + 5) % 20}`]: [-0.5 - ((k * 17) % 100) / 100, 0.05],
        [`cat:g${(k * 3 + 9) % 20}`]: [((k * 41) % 100) / 300, 0.05],
      },
    });
  for (let from = 0; from < users; from += 10_000) {
    const ks = Array.from({ length: Math.min(10_000, users - from) }, (_, i) => from + i);
    await db.query(
      `INSERT INTO user_models (user_id, domain, state, events_seen) SELECT u, $1, s, $2 FROM unnest($3::text[], $4::bytea[]) AS t(u, s)`,
      [domain, HISTORY, ks.map((k) => `u-${k}`), ks.map(userState)],
    );
  }
  await db.query(
    `INSERT INTO user_item_batches (user_id, domain, item_ids)
       SELECT 'u-' || k, $1, ARRAY(SELECT 's' || $2::int || '-it-' || ((k::bigint * 7919 + j * 104729) % $2::int) FROM generate_series(1, $3::int) AS j)
         FROM generate_series(0, $4::int - 1) AS k`,
    [domain, size, HISTORY, users],
  );
  process.stdout.write(`seeded ${domain}: ${size.toLocaleString('en-US')} items, ${users.toLocaleString('en-US')} users in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** `clients` loops calling `call` until `seconds` have passed; timed until the last reply. */
async function run(call: () => Promise<void>, clients: number, seconds: number): Promise<Window> {
  let requests = 0;
  const latenciesMs: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (process.hrtime.bigint() < deadline) {
        const sent = process.hrtime.bigint();
        await call();
        latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
        requests++;
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  return { requests, requestsPerSecond: requests / wall, latenciesMs };
}

async function get(url: string, key: string, path: string): Promise<void> {
  const answer = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${await answer.text()}`);
  await answer.arrayBuffer();
}

/**
 * Recall@C of the index against a full scan, in this process with the gateway's scorer and configuration: the
 * index's top C (`scoreUnseen`) against every unseen item scored the way `scoreUnseen` scores its candidates.
 */
async function measureRecall(db: DataSource, env: NodeJS.ProcessEnv, domain: string, options: ServeOptions): Promise<SizeResult['recall']> {
  const scorer = new PersonalizedScorer(new RewardModelsRepository(db), new ModelPriors(loadGatewayConfig(env)), 600_000);
  const { index, catalogue, aggregate } = await scorer.candidateIndex(domain);
  // What a catalogue change costs (the lists and the a(i) ranking, the catalogue already in memory), best of three.
  const builds = [0, 1, 2].map(() => {
    const started = process.hrtime.bigint();
    CandidateIndex.build(catalogue.items, (_item, position) => aggregate.model.logit(catalogue.items[position]!.aggregateX));
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
  const random = mulberry32(options.users + index.size);
  let recallSum = 0;
  let minRecall = 1;
  let upToTiesSum = 0;
  let indexMs = 0;
  let indexMsAtN = 0;
  let fullScanMs = 0;
  let scored = 0;
  for (let u = 0; u < options.recallUsers; u++) {
    const userId = `u-${Math.floor(random() * options.users)}`;
    const [stored, seen] = await Promise.all([scorer.models.user(userId, domain), scorer.models.interactedItems(userId, domain)]);
    const personas = scorer.personas(stored, domain);
    let started = process.hrtime.bigint();
    const found = retrieveCandidates(index, personas, seen, options.candidates);
    indexMs += Number(process.hrtime.bigint() - started) / 1e6;
    scored += found.scored;
    started = process.hrtime.bigint();
    retrieveCandidates(index, personas, seen, options.n);
    indexMsAtN += Number(process.hrtime.bigint() - started) / 1e6;
    started = process.hrtime.bigint();
    const full: { itemId: string; logit: number }[] = [];
    for (const item of catalogue.items) {
      if (seen.has(item.itemId)) continue;
      const a = aggregate.model.logit(item.aggregateX);
      full.push({ itemId: item.itemId, logit: personas ? personas.logit(item.userX, a) : a });
    }
    full.sort((x, y) => y.logit - x.logit || (x.itemId < y.itemId ? -1 : 1));
    fullScanMs += Number(process.hrtime.bigint() - started) / 1e6;
    if (full.length === 0) throw new Error(`${userId} has no unseen item in ${domain}: the seeded catalogue is not there`);
    const top = full.slice(0, options.candidates);
    const truth = new Set(top.map((c) => c.itemId));
    const recall = found.candidates.filter((c) => truth.has(c.itemId)).length / truth.size;
    const last = top.at(-1)!.logit;
    upToTiesSum += found.candidates.filter((c) => truth.has(c.itemId) || Math.abs(c.logit - last) <= 1e-9 * (1 + Math.abs(last))).length / truth.size;
    recallSum += recall;
    minRecall = Math.min(minRecall, recall);
  }
  const users = options.recallUsers;
  return { users, candidates: options.candidates, recallAtC: recallSum / users, minRecall, recallUpToTies: upToTiesSum / users, buildMs: Math.min(...builds), indexMsPerUser: indexMs / users, indexMsPerUserAtN: indexMsAtN / users, fullScanMsPerUser: fullScanMs / users, scoredPerUser: scored / users };
}

function printTable(results: SizeResult[], options: ServeOptions): void {
  const header = ['items', 'trivial req/s', 'recs req/s', 'ratio', 'recs p50 ms', 'recs p99 ms', 'trivial p50 ms', `recall@${options.candidates}`, 'up to ties', 'index ms/user', 'full scan ms/user', 'items scored/user', `index ms/user at n = ${options.n}`, 'index build ms'];
  const rows = results.map((r) => [
    fmt(r.items),
    fmt(r.trivialPerSecond),
    fmt(r.recommendationsPerSecond),
    r.ratio.toFixed(3),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.trivialP50Ms.toFixed(1),
    r.recall.recallAtC.toFixed(4),
    r.recall.recallUpToTies.toFixed(4),
    r.recall.indexMsPerUser.toFixed(2),
    r.recall.fullScanMsPerUser.toFixed(2),
    fmt(r.recall.scoredPerUser),
    r.recall.indexMsPerUserAtN.toFixed(2),
    fmt(r.recall.buildMs),
  ]);
  process.stdout.write(
    `\nGET /v1/users/:id/recommendations (n = ${options.n}) ÷ GET /v1/items/:id, ${options.users.toLocaleString('en-US')} users, ${options.clients} clients, medians of ${options.rounds} alternating ${options.seconds} s windows;\n` +
      `recall of the index's top ${options.candidates} against a full scan over ${options.recallUsers} users per size (in-process, same scorer)\n` +
      `${textTable(header, rows)}\n`,
  );
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

runCommand('bench:serve', SERVE_USAGE, main);
