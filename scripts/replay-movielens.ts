import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FEEDBACK_BATCH_LIMIT, ITEM_IMPORT_LIMIT, topicName, type FeedbackEventInputV1, type ItemV1 } from '@chorus/contracts';
import { countRecords, RERANK_QUEUE } from '@chorus/platform';
import { createGatewayClient } from '@chorus/api-client';
import type { AlertCount, CalibratedRerankingFigures } from '@chorus/report';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { Queue } from 'bullmq';
import { MultiBar, Presets } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { parseAuditOptions } from './audit/audit-options';
import { runAuditCommand } from './audit/audit.command';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { gatewayAnswer } from './gateway-answer';
import { LocalStack, until } from './local-stack';
import { DEFAULT_CALIBRATION_SWEEP, startCalibrationSweep } from './movielens/calibration-sweep';
import { buildReplayReport, writeReplayReport } from './movielens/replay-report';
import { inReplayOrder, missingMovieLensFiles, readMovieLens } from './movielens-reader';

const root = resolve(__dirname, '..', '..');
const DEFAULT_DATA = resolve(root, '..', 'shared', 'data', 'movielens-latest-small');
const usage = `usage: npm run demo -- [--data <dir>] [--limit <n>] [--tau2 <x>] [--partitions <n>] [--port <n>] [--keep-running]
  --data          folder with MovieLens ratings.csv and movies.csv (default ../shared/data/movielens-latest-small;
                  when the default folder is not there, the demo says so and runs the simulated population of
                  \`npm run audit\` instead, writing its report to .chorus/demo/audit/)
  --limit         replay only the first n ratings in time order (default: all)
  --tau2          a fixed pooling strength τ² of the personalized models (default: learned from the data)
  --partitions    partitions of the feedback topic (default 6)
  --port          gateway port (default 3000; learner, reranker, drift-watch and notifier use port + 1 … + 4)
  --keep-running  leave the services running after the summary (default: when stdin is a terminal;
                  --no-keep-running to stop them)

Writes the replay's report to .chorus/demo/report/: report.html (one self-contained file) and replay.json — the
prequential AUC per policy, a τ² sweep computed offline on the same events, Steck's λ sweep (experiment:calibration's),
the calibrated reranking, and the drift alerts against the simulator's calibration of the detectors.`;

/** drift-watch's settings in the demo (its own defaults, set here so the report can count alerts against them). */
const DRIFT_USER_MIN_EVENTS = 30;
const DRIFT_BUCKET_SECONDS = 3600;

function options() {
  const values = parseFlags(
    usage,
    {
      data: { type: 'string' },
      limit: { type: 'string' },
      tau2: { type: 'string' },
      partitions: { type: 'string', default: '6' },
      port: { type: 'string', default: '3000' },
      'keep-running': { type: 'boolean' },
    },
    { allowNegative: true },
  );
  const number = (name: string, text: string | undefined, min: number, max: number, integer: boolean) =>
    text === undefined ? undefined : numberFlag(name, text, { min, max, integer });
  return {
    data: values.data === undefined ? DEFAULT_DATA : resolve(values.data),
    dataGiven: values.data !== undefined,
    limit: number('limit', values.limit, 1, Number.MAX_SAFE_INTEGER, true),
    tau2: number('tau2', values.tau2, 0, MAX_PRIOR_VARIANCE, false),
    partitions: number('partitions', values.partitions, 1, 64, true)!,
    port: number('port', values.port, 1024, 65534, true)!,
    keepRunning: values['keep-running'] ?? Boolean(process.stdin.isTTY),
  };
}

/** MovieLens has no event ids: derive a stable UUID from the rating, so a replay is idempotent. */
function eventId(userId: string, movieId: string, timestamp: number): string {
  const h = createHash('sha256').update(`movielens:${userId}:${movieId}:${timestamp}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function main(): Promise<void> {
  const opts = options();
  const missing = missingMovieLensFiles(opts.data);
  if (missing.length > 0) {
    const where = `${missing.join(' and ')} not found in ${opts.data}`;
    // A folder the user named and mistyped should not turn into a different run of several minutes.
    if (opts.dataGiven) throw new UsageError(`--data: ${where}; pass the folder holding MovieLens latest-small's ratings.csv and movies.csv`);
    process.stdout.write(
      `[demo] MovieLens is not here (${where}), so the demo runs the simulated population instead: the aggregation audit ` +
        `(npm run audit) with its default settings, through the same services. To replay MovieLens, put ml-latest-small ` +
        `(https://grouplens.org/datasets/movielens/latest/) there or pass --data <folder>. The replay's options (--limit, --tau2, …) do not apply.\n`,
    );
    await runAuditCommand(parseAuditOptions(['--out', join(root, '.chorus', 'demo', 'audit'), ...(process.stdout.isTTY ? [] : ['--no-progress'])], root)!, 'demo');
    return;
  }
  const started = Date.now();
  const databaseUrl = 'postgres://postgres@127.0.0.1:5432/chorus_demo';
  const prefix = 'demo.';
  const logDir = join(root, '.chorus', 'demo');
  mkdirSync(logDir, { recursive: true });

  const { ratings: allRatings, movies } = readMovieLens(opts.data);
  const ratings = inReplayOrder(allRatings).slice(0, opts.limit ?? allRatings.length);
  process.stdout.write(`[demo] MovieLens: ${allRatings.length} ratings, ${movies.length} movies from ${opts.data}; replaying ${ratings.length}\n`);
  // Steck's λ sweep for the report needs only the ratings: a worker thread computes it while the replay runs.
  const lambdaSweep = startCalibrationSweep(ratings, movies, DEFAULT_CALIBRATION_SWEEP);
  lambdaSweep.catch(() => undefined); // awaited below; a failure before then must not become an unhandled rejection

  // A clean slate each run, so the summary describes this replay alone.
  process.stdout.write('[demo] resetting the demo database (chorus_demo) and topics (demo.*)\n');
  const stack = new LocalStack({ label: 'demo', databaseUrl, prefix, partitions: opts.partitions, logDir });
  await stack.reset();
  const { admin, db, key } = stack;

  const env = {
    GATEWAY_PORT: String(opts.port),
    LEARNER_HTTP_PORT: String(opts.port + 1),
    RERANKER_HTTP_PORT: String(opts.port + 2),
    DRIFT_HTTP_PORT: String(opts.port + 3),
    NOTIFIER_HTTP_PORT: String(opts.port + 4),
    // The console (gateway /console) reads the alert stream from the notifier.
    NOTIFIER_CORS_ORIGINS: `http://127.0.0.1:${opts.port},http://localhost:${opts.port}`,
    // Unset: the learner learns τ² per partition (issue #16); the summary prints the value it published.
    ...(opts.tau2 === undefined ? {} : { LEARNER_TAU2: String(opts.tau2) }),
    LEARNER_PREQUENTIAL_LOG: 'true',
    DRIFT_USER_MIN_EVENTS: String(DRIFT_USER_MIN_EVENTS),
    DRIFT_BUCKET_SECONDS: String(DRIFT_BUCKET_SECONDS),
    LOG_LEVEL: 'info',
  };
  const stopped = stack.stopped;
  process.once('SIGINT', () => {
    stack.kill();
    process.exit(130);
  });

  try {
    await stack.start('gateway', opts.port, env);
    await stack.start('learner', opts.port + 1, env);
    await stack.start('reranker', opts.port + 2, env);
    await stack.start('drift-watch', opts.port + 3, env);
    await stack.start('notifier', opts.port + 4, env);
    const gateway = `http://127.0.0.1:${opts.port}`;
    const client = createGatewayClient({ baseUrl: gateway, apiKey: key });

    const bars = new MultiBar(
      { format: ' {task} |{bar}| {percentage}% {value}/{total} {rate}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 3000, etaBuffer: 50 },
      Presets.shades_classic,
    );
    const items: ItemV1[] = movies.map((m) => ({
      itemId: m.movieId,
      domain: 'movies',
      categories: Object.fromEntries(m.genres.map((g) => [g, 1])),
      title: m.title,
    }));
    const catalogueBar = bars.create(items.length, 0, { task: 'catalogue   ', rate: '' });
    for (let i = 0; i < items.length; i += ITEM_IMPORT_LIMIT) {
      const chunk = items.slice(i, i + ITEM_IMPORT_LIMIT);
      await gatewayAnswer('POST /v1/items/import', client.POST('/v1/items/import', { body: { items: chunk } }));
      catalogueBar.increment(chunk.length);
    }

    const events: FeedbackEventInputV1[] = ratings.map((r) => ({
      eventId: eventId(r.userId, r.movieId, r.timestamp),
      userId: r.userId,
      occurredAt: new Date(r.timestamp * 1000).toISOString(),
      domain: 'movies',
      type: 'rating',
      itemId: r.movieId,
      value: r.rating,
      scale: { min: 0.5, max: 5 },
    }));
    const ingestBar = bars.create(events.length, 0, { task: 'ingest (HTTP)', rate: '' });
    const learnBar = bars.create(events.length, 0, { task: 'learn       ', rate: '' });
    const ingestStarted = Date.now();
    let accepted = 0;
    const counters = async () =>
      Object.fromEntries(((await db.query(`SELECT name, value FROM learner_counters`)) as { name: string; value: string }[]).map((r) => [r.name, Number(r.value)])) as Record<string, number>;
    const learnProgress = async () => {
      const c = await counters();
      const done = (c.applied ?? 0) + (c.dead_lettered ?? 0) + (c.duplicates ?? 0);
      learnBar.update(done, { rate: `${Math.round(done / ((Date.now() - ingestStarted) / 1000))} events/s` });
      return { applied: c.applied ?? 0, duplicates: c.duplicates ?? 0, done };
    };
    // The learn bar moves while ingesting: the learner commits as it catches up, seconds behind the gateway.
    const watching = setInterval(() => void learnProgress().catch(() => undefined), 250);
    try {
      // Batches go out in order, one at a time per user-ordered stream: concurrency would reorder a user's events.
      for (let i = 0; i < events.length; i += FEEDBACK_BATCH_LIMIT) {
        const answer = await gatewayAnswer('POST /v1/feedback', client.POST('/v1/feedback', { body: { events: events.slice(i, i + FEEDBACK_BATCH_LIMIT) } }));
        accepted += answer.accepted;
        ingestBar.update(accepted, { rate: `${Math.round(accepted / ((Date.now() - ingestStarted) / 1000))} events/s` });
      }
    } finally {
      clearInterval(watching);
    }
    const final = await until(learnProgress, (c) => c.done >= accepted, 'the learner to apply every accepted event');
    bars.stop();
    const elapsed = (Date.now() - ingestStarted) / 1000;

    const predictions: { label: number; p_aggregate: number; p_personalized: number }[] = await db.query(
      `SELECT p.label, p.p_aggregate, p.p_personalized FROM prequential_predictions p ORDER BY p.occurred_at, p.user_id, p.event_id`,
    );
    const [{ users }] = await db.query(`SELECT count(DISTINCT user_id)::int AS users FROM user_models`);
    // The τ² each partition's learner published with its evidence (null where --tau2 fixed it).
    const learnedTau2 = ((await db.query(`SELECT (pooling_evidence->>'tau2')::float8 AS tau2 FROM aggregate_shards WHERE domain = 'movies' ORDER BY shard`)) as { tau2: number | null }[])
      .map((row) => row.tau2)
      .filter((tau2): tau2 is number => tau2 !== null);
    // drift-watch follows the same feedback; give it a moment to catch up, then report what it raised.
    const feedbackTopic = topicName('feedback', prefix);
    const driftCaughtUp = await until(
      async () => Number((await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets WHERE group_id = $1 AND topic = $2`, [stack.baseEnv().DRIFT_GROUP_ID, feedbackTopic]))[0].n),
      (n) => n >= accepted || stopped.has('drift-watch'),
      'drift-watch to catch up',
      120_000,
    ).then(() => !stopped.has('drift-watch'), () => false);
    const alerts: AlertCount[] = await db.query(`SELECT scope, metric, count(*)::int AS n FROM drift_alerts GROUP BY metric, scope ORDER BY n DESC, scope, metric`);
    const [population] = await db.query(`SELECT count(*)::int AS points, count(DISTINCT bucket_start)::int AS buckets FROM drift_population_series WHERE domain = 'movies'`);
    const reranking = await calibratedReranking(db, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', stack.baseEnv().RERANK_QUEUE_PREFIX!);
    const deadLettered = await countRecords(admin, topicName('feedbackDlq', prefix));
    const driftDeadLettered = await countRecords(admin, topicName('driftWatchDlq', prefix));

    process.stdout.write('[demo] the report: τ² sweep offline on the same events, and the λ sweep (computed while the replay ran)\n');
    const report = buildReplayReport({
      title: `Chorus — MovieLens replay of ${ratings.length} ratings`,
      source: opts.data,
      ratingsInFile: allRatings.length,
      ratings,
      movies,
      live: predictions.map((p) => ({ label: p.label, pAggregate: p.p_aggregate, pPersonalized: p.p_personalized })),
      ...(opts.tau2 === undefined ? { learnedTau2 } : { fixedTau2: opts.tau2 }),
      reranking,
      alerts,
      drift: { userMinEvents: DRIFT_USER_MIN_EVENTS, populationPoints: population.points, populationBuckets: population.buckets, bucketSeconds: DRIFT_BUCKET_SECONDS },
      run: {
        accepted,
        applied: final.applied,
        deadLettered,
        duplicates: final.duplicates,
        driftDeadLettered,
        ingestSeconds: elapsed,
        driftCaughtUp,
        stopped: [...stopped].map(([service, code]) => ({ service, code })),
      },
      startedAt: started,
      options: { limit: opts.limit ?? 'all', tau2: opts.tau2 ?? 'learned', partitions: opts.partitions },
      lambdaSweep: await lambdaSweep,
    });
    const written = await writeReplayReport(report, join(logDir, 'report'));

    process.stdout.write(
      [
        '',
        'Chorus — MovieLens replay summary',
        `  events accepted (HTTP 202)   ${accepted}`,
        `  events applied by learner    ${final.applied}`,
        `  dead-lettered                ${deadLettered}`,
        `  duplicates skipped           ${final.duplicates}`,
        `  users                        ${users}`,
        `  items                        ${items.length}`,
        `  ingest → learned             ${elapsed.toFixed(1)} s (${Math.round(accepted / elapsed)} events/s end to end)`,
        `  drift-watch dead-lettered    ${driftDeadLettered}${driftCaughtUp ? '' : stopped.has('drift-watch') ? ' (drift-watch stopped early)' : ' (drift-watch still catching up when alerts were counted)'}`,
        `  offline sweeps               τ² ${report.run.tauSweepSeconds.toFixed(1)} s on this process; λ ${report.run.calibrationSweepSeconds.toFixed(1)} s in a worker, alongside the replay`,
        `  total time                   ${report.run.totalSeconds.toFixed(1)} s`,
        ...[...stopped].map(([name, code]) => `  STOPPED WITH AN ERROR         ${name} (exit code ${code}; see .chorus/demo/${name}.log)`),
        '',
        written.summary,
        '',
        `Report: ${written.htmlPath} (${(written.bytes / 1024).toFixed(0)} KiB, self-contained) and ${written.jsonPath}`,
        '',
      ].join('\n') + '\n',
    );
    if (stopped.size > 0) process.exitCode = 1;
    if (opts.keepRunning) {
      process.stdout.write(`Console: ${gateway}/console  Gateway: ${gateway}/docs (API key with admin scope: ${key})\nPress Ctrl-C to stop the services.\n`);
      await new Promise(() => undefined);
    }
  } finally {
    if (!opts.keepRunning) await stack.close();
  }
}

/**
 * What the calibrated reranking triggered by drift alerts did during the replay (DESIGN §6): waits (up to two
 * minutes) for the rerank queue to empty, then reads the reranker's lists. C_KL is Steck's miscalibration of the list
 * against the user's profile; the minority share is the list's share of the user's minority interests, against the
 * profile's share of them.
 */
async function calibratedReranking(db: DataSource, redisUrl: string, queuePrefix: string): Promise<CalibratedRerankingFigures> {
  const url = new URL(redisUrl);
  const queue = new Queue(RERANK_QUEUE, { connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix: queuePrefix });
  let drained = false;
  try {
    const pending = async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')).reduce((a, b) => a + b, 0);
    drained = await until(pending, (n) => n === 0, 'the rerank queue to empty', 120_000).then(() => true, () => false);
  } finally {
    await queue.close();
  }
  const [overall] = await db.query(
    `SELECT count(*)::int AS lists, count(DISTINCT user_id)::int AS users, avg(kl_before) AS kl_before, avg(kl_after) AS kl_after, avg(relevance_retained) AS relevance
       FROM calibrated_lists`,
  );
  const [minority] = await db.query(
    `SELECT count(*)::int AS lists, avg((minority_share->>'profileShare')::float8) AS profile,
            avg((minority_share->>'listShareBefore')::float8) AS before, avg((minority_share->>'listShare')::float8) AS after
       FROM calibrated_lists WHERE jsonb_array_length(minority_share->'categories') > 0`,
  );
  return {
    drained,
    lists: overall.lists,
    users: overall.users,
    klBefore: overall.kl_before,
    klAfter: overall.kl_after,
    relevanceRetained: overall.relevance,
    minority: { lists: minority.lists, profileShare: minority.profile, before: minority.before, after: minority.after },
  };
}

runCommand('demo', usage, main);
