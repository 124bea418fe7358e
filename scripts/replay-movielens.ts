import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FEEDBACK_BATCH_LIMIT, ITEM_IMPORT_LIMIT, topicName, type FeedbackEventInputV1, type ItemV1 } from '@chorus/contracts';
import { countRecords, RERANK_QUEUE } from '@chorus/platform';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { rocAuc } from '@chorus/reward';
import { Queue } from 'bullmq';
import { MultiBar, Presets } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { parseAuditOptions } from './audit/audit-options';
import { runAuditCommand } from './audit/audit.command';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { LocalStack, until } from './local-stack';
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
                  --no-keep-running to stop them)`;

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
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { accepted?: number; imported?: number; message?: string; issues?: unknown };
      if (response.status >= 300) throw new Error(`POST ${path} answered ${response.status}: ${answer.message} ${JSON.stringify(answer.issues ?? '')}`);
      return answer;
    };

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
      await post('/v1/items/import', { items: chunk });
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
        const answer = await post('/v1/feedback', { events: events.slice(i, i + FEEDBACK_BATCH_LIMIT) });
        accepted += answer.accepted ?? 0;
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
    const tailStart = Math.floor(predictions.length * 0.9);
    const auc = (rows: typeof predictions) => ({
      aggregate: rocAuc(rows.map((r) => r.p_aggregate), rows.map((r) => (r.label >= 0.5 ? 1 : 0))),
      personalized: rocAuc(rows.map((r) => r.p_personalized), rows.map((r) => (r.label >= 0.5 ? 1 : 0))),
    });
    const tail = auc(predictions.slice(tailStart));
    const all = auc(predictions);
    const [{ users }] = await db.query(`SELECT count(DISTINCT user_id)::int AS users FROM user_models`);
    // drift-watch follows the same feedback; give it a moment to catch up, then report what it raised.
    const feedbackTopic = topicName('feedback', prefix);
    const driftCaughtUp = await until(
      async () => Number((await db.query(`SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets WHERE group_id = $1 AND topic = $2`, [stack.baseEnv().DRIFT_GROUP_ID, feedbackTopic]))[0].n),
      (n) => n >= accepted || stopped.has('drift-watch'),
      'drift-watch to catch up',
      120_000,
    ).then(() => !stopped.has('drift-watch'), () => false);
    const alerts: { metric: string; scope: string; n: number }[] = await db.query(`SELECT metric, scope, count(*)::int AS n FROM drift_alerts GROUP BY metric, scope ORDER BY n DESC`);
    const calibration = await calibratedReranking(db, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', stack.baseEnv().RERANK_QUEUE_PREFIX!);
    const deadLettered = await countRecords(admin, topicName('feedbackDlq', prefix));
    const driftDeadLettered = await countRecords(admin, topicName('driftWatchDlq', prefix));

    const f = (x: number) => x.toFixed(3);
    process.stdout.write(
      [
        '',
        'Chorus — MovieLens replay summary',
        `  events accepted (HTTP 202)   ${accepted}`,
        `  events applied by learner    ${final.applied ?? 0}`,
        `  dead-lettered                ${deadLettered}`,
        `  duplicates skipped           ${final.duplicates ?? 0}`,
        `  users                        ${users}`,
        `  items                        ${items.length}`,
        `  ingest → learned             ${elapsed.toFixed(1)} s (${Math.round(accepted / elapsed)} events/s end to end)`,
        `  held-out tail (last 10% in time, ${predictions.length - tailStart} events, scored before learning, positive = rating ≥ 4):`,
        `    AUC aggregate              ${f(tail.aggregate)}`,
        // At least one space: "(τ²=learned)" is longer than the column.
        `    AUC personalized (τ²=${opts.tau2 ?? 'learned'})`.padEnd(30) + ' ' + f(tail.personalized),
        `  all events, prequential:     aggregate ${f(all.aggregate)}, personalized ${f(all.personalized)}`,
        `  drift-watch dead-lettered    ${driftDeadLettered}`,
        `  drift alerts${driftCaughtUp ? '' : stopped.has('drift-watch') ? ' (drift-watch stopped early)' : ' (drift-watch still catching up)'}:${alerts.length ? '' : ' none'}`,
        ...alerts.map((a) => `    ${a.scope.padEnd(10)} ${a.metric.padEnd(28)} ${a.n}`),
        ...calibrationSummary(calibration),
        `  total time                   ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...[...stopped].map(([name, code]) => `  STOPPED WITH AN ERROR         ${name} (exit code ${code}; see .chorus/demo/${name}.log)`),
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

interface CalibratedReranking {
  /** The rerank queue emptied before the summary (false: the figures are of the lists made so far). */
  drained: boolean;
  lists: number;
  users: number;
  klBefore: number | null;
  klAfter: number | null;
  relevanceRetained: number | null;
  /** Over lists whose user has minority interests (categories under their profile's threshold). */
  minority: { lists: number; profileShare: number | null; before: number | null; after: number | null };
}

/**
 * What the calibrated reranking triggered by drift alerts did during the replay (DESIGN §6): waits (up to two
 * minutes) for the rerank queue to empty, then reads the reranker's lists. C_KL is Steck's miscalibration of the list
 * against the user's profile; the minority share is the list's share of the user's minority interests, against the
 * profile's share of them.
 */
async function calibratedReranking(db: DataSource, redisUrl: string, queuePrefix: string): Promise<CalibratedReranking> {
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

function calibrationSummary(c: CalibratedReranking): string[] {
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  if (c.lists === 0) return [`  calibrated reranking         no lists${c.drained ? '' : ' yet (the rerank queue had not emptied)'}`];
  return [
    `  calibrated reranking${c.drained ? '' : ' (so far: the rerank queue had not emptied)'}:`,
    `    lists made                 ${c.lists} for ${c.users} users`,
    `    mean C_KL                  ${f(c.klBefore)} before → ${f(c.klAfter)} after`,
    `    relevance kept             ${f(c.relevanceRetained)} (share of the accuracy list's relevance)`,
    `    minority interests (<20%)  ${c.minority.lists} lists: profile share ${f(c.minority.profileShare)}, list share ${f(c.minority.before)} before → ${f(c.minority.after)} after`,
  ];
}

runCommand('demo', usage, main);
