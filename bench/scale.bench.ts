/**
 * bench:scale — how the learner's cost grows with the number of users (issue #13, part 3).
 *
 * For each size (users), in a stack of its own (database, topic prefix): a seeded stream in which 20 % of the users
 * produce 80 % of the events, then
 *   1. the raw kafkajs no-op consumer over the whole topic (the baseline, in this run);
 *   2. the learner as a real OS process (dist/), from the beginning of the topic until every offset is committed to
 *      Postgres: events/s from its first consumed offset (start-up and group join excluded, as for the baseline), its
 *      CPU per event (utime + stime from /proc, all its threads) and its peak RSS (VmHWM from /proc);
 *   3. SIGKILL the caught-up learner, produce a backlog of 10 % more events while it is down, restart it, and time
 *      until /health answers and until the backlog is committed;
 *   4. drift-watch as a real OS process over the same topic, alone (so the two do not share the 2 cores): its peak RSS,
 *      events/s and CPU per event;
 *   5. the size of each table in Postgres.
 * Prints a table and writes scale.json under --out. Needs `npm run build` first (the script does it).
 *
 * With --drift-only, steps 2 and 3 are skipped (drift-watch then reads only the first production of events); with
 * --learner-only, step 4. With --learner-cpu-prof <dir>, the learner of step 2 runs under node --cpu-prof and step 3 is
 * skipped (a SIGKILLed process writes no profile).
 *
 *   npm run bench:scale -- [--sizes 2k,20k,200k,1M] [--events-per-user 10] [--min-events 200000] [--partitions 3] [--drift-only | --learner-only]
 *                       [--learner-cpu-prof <dir>]
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { topicName } from '@chorus/contracts';
import { createDataSource } from '@chorus/platform';
import { mulberry32 } from '@chorus/random';
import type { DataSource } from 'typeorm';
import { ItemsRepository } from '../services/gateway/src/persistence/items.repository';
import { DriftWatchProcess } from '../test/support/drift-watch';
import { catalogue, feedbackEvents } from '../test/support/feedback-factory';
import type { ServiceProcess } from '../test/support/service-process';
import { LearnerProcess } from '../test/support/services';
import { benchStack } from './bench-stack';
import { produceFeedback, rawConsume } from './raw-consume';
import { writeBenchResult } from './scale/bench-result';
import { PeakRssSampler } from './scale/proc-stats';
import { eventsAt, orExit, parseScaleOptions, type ScaleOptions } from './scale/scale-options';
import { committed, consume, serviceEnv, until, withBar, type Consumption } from './scale/service-run';
import { skewedUserPicker } from './scale/skewed-users';
import { textTable } from './scale/text-table';

const ITEMS = 1000;
const BACKLOG_SHARE = 0.1;


interface SizeResult {
  users: number;
  events: number;
  rawEventsPerSecond: number;
  learner?: Consumption & { ratioToRaw: number };
  restart?: { backlogEvents: number; secondsToHealthy: number; secondsToCaughtUp: number; peakRssMiB: number };
  driftWatch?: Consumption;
  tableMiB: Record<string, number>;
}

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const options = orExit(() => parseScaleOptions(process.argv.slice(2)));
  const results: SizeResult[] = [];
  for (const users of options.sizes) {
    results.push(await measureSize(users, options));
    printTable(results);
  }
  writeBenchResult(options.out, 'scale.json', { options, results });
}

async function measureSize(users: number, options: ScaleOptions): Promise<SizeResult> {
  const events = eventsAt(users, options);
  const backlog = Math.ceil(events * BACKLOG_SHARE);
  const after = options.driftOnly ? '' : ` (+ ${backlog.toLocaleString('en-US')} after the SIGKILL)`;
  process.stdout.write(`\n== ${users.toLocaleString('en-US')} users, ${events.toLocaleString('en-US')} events${after}\n`);
  const stack = await benchStack('scale', options.partitions);
  const topic = topicName('feedback', stack.prefix);
  const db = await createDataSource(stack.databaseUrl, { poolSize: 2, applicationName: 'bench-scale' }).initialize();
  const children: ServiceProcess[] = [];
  try {
    await new ItemsRepository(db).upsert(catalogue(ITEMS));
    // One picker for the whole run: the backlog comes from the same users, with the same skew.
    const pickUser = skewedUserPicker(users, mulberry32(options.seed + 1));
    await withBar('producing', events, (update) =>
      produceFeedback(stack.kafka, topic, feedbackEvents(events, { users, items: ITEMS, seed: options.seed, pickUser }), update),
    );

    const raw = await rawConsume(stack.kafka, topic, `raw-${stack.id}`, events);
    process.stdout.write(`raw no-op consumer: ${fmt(raw.rate)} events/s\n`);

    const env = serviceEnv(stack, options.partitions);
    const learnerSide = options.driftOnly ? undefined : await measureLearner(db, stack, env, { events, backlog, users, options, pickUser, raw: raw.rate, children });
    const driftRun = options.learnerOnly ? undefined : await measureDriftWatch(db, env, options.driftOnly ? events : events + backlog, children);

    return {
      users,
      events,
      rawEventsPerSecond: raw.rate,
      ...learnerSide,
      ...(driftRun ? { driftWatch: driftRun } : {}),
      tableMiB: await tableSizes(db),
    };
  } finally {
    for (const child of children) await child.kill('SIGKILL');
    await db.destroy();
    await stack.teardown();
  }
}

/** Step 4: drift-watch alone over the topic, until it has committed `consumed` offsets. */
async function measureDriftWatch(db: DataSource, env: NodeJS.ProcessEnv, consumed: number, children: ServiceProcess[]): Promise<Consumption> {
  const drift = new DriftWatchProcess(env);
  children.push(drift);
  const run = await consume('drift-watch', drift, consumed, () => committed(db, env.DRIFT_GROUP_ID!), () => committed(db, env.DRIFT_GROUP_ID!));
  await drift.kill('SIGTERM');
  return run;
}

/** Steps 2 and 3: the learner from the start of the topic, then SIGKILL, a backlog, restart and catch-up. */
async function measureLearner(
  db: DataSource,
  stack: Awaited<ReturnType<typeof benchStack>>,
  env: NodeJS.ProcessEnv,
  run: { events: number; backlog: number; users: number; options: ScaleOptions; pickUser: ReturnType<typeof skewedUserPicker>; raw: number; children: ServiceProcess[] },
): Promise<Pick<SizeResult, 'learner' | 'restart'>> {
  const { events, backlog, users, options, pickUser } = run;
  const topic = topicName('feedback', stack.prefix);
  const profiles = options.learnerCpuProf;
  if (profiles) mkdirSync(profiles, { recursive: true });
  // The apply worker inherits node's options: each thread writes its own profile when it exits.
  const learner = new LearnerProcess(env, profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []);
  run.children.push(learner);
  const learnerRun = await consume('learner', learner, events, () => committed(db, env.LEARNER_GROUP_ID!), () => learner.metricSum('learner_next_offset'));
  const learnerResult = { ...learnerRun, ratioToRaw: learnerRun.eventsPerSecond / run.raw };
  if (profiles) {
    // A SIGKILLed process writes no profile: stop it cleanly and skip the restart step.
    await learner.kill('SIGTERM');
    process.stdout.write(`learner CPU profiles in ${profiles}\n`);
    return { learner: learnerResult };
  }

  await learner.kill('SIGKILL');
  await produceFeedback(stack.kafka, topic, feedbackEvents(backlog, { users, items: ITEMS, seed: options.seed + 1000, pickUser }));
  const restartedAt = process.hrtime.bigint();
  await learner.start();
  const secondsToHealthy = seconds(restartedAt);
  const restartPeak = new PeakRssSampler(learner.pid!);
  await withBar('learner catching up after SIGKILL', events + backlog, (update) =>
    until(() => committed(db, env.LEARNER_GROUP_ID!), (n) => (update(n), n >= events + backlog)),
  );
  const secondsToCaughtUp = seconds(restartedAt);
  const restartPeakBytes = restartPeak.stop();
  await learner.kill('SIGTERM');
  return {
    learner: learnerResult,
    restart: { backlogEvents: backlog, secondsToHealthy, secondsToCaughtUp, peakRssMiB: restartPeakBytes / MiB },
  };
}

async function tableSizes(db: DataSource): Promise<Record<string, number>> {
  const rows: { name: string; bytes: string }[] = await db.query(
    `SELECT relname AS name, pg_total_relation_size(relid)::bigint AS bytes FROM pg_catalog.pg_statio_user_tables ORDER BY 2 DESC`,
  );
  return Object.fromEntries(rows.filter((r) => Number(r.bytes) > 64 * 1024).map((r) => [r.name, Number(r.bytes) / MiB]));
}

function printTable(results: SizeResult[]): void {
  const rows = results.map((r) => [
    fmt(r.users),
    fmt(r.events),
    fmt(r.rawEventsPerSecond),
    r.learner ? fmt(r.learner.eventsPerSecond) : '—',
    r.learner ? r.learner.ratioToRaw.toFixed(2) : '—',
    r.learner ? r.learner.cpuMicrosPerEvent.toFixed(1) : '—',
    r.learner ? r.learner.peakRssMiB.toFixed(0) : '—',
    r.driftWatch ? r.driftWatch.peakRssMiB.toFixed(0) : '—',
    r.driftWatch ? r.driftWatch.cpuMicrosPerEvent.toFixed(1) : '—',
    r.restart ? `${r.restart.secondsToHealthy.toFixed(1)} / ${r.restart.secondsToCaughtUp.toFixed(1)}` : '—',
    (r.tableMiB.user_models ?? 0).toFixed(1),
    Object.values(r.tableMiB).reduce((s, x) => s + x, 0).toFixed(0),
  ]);
  const header = ['users', 'events', 'raw ev/s', 'learner ev/s', 'ratio', 'learner µs CPU/ev', 'learner peak MiB', 'drift peak MiB', 'drift µs CPU/ev', 'restart s (healthy / caught up)', 'user_models MiB', 'all tables MiB'];
  process.stdout.write(`\n${textTable(header, rows)}\n\n`);
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

main().catch((error: Error) => {
  process.stderr.write(`benchmark failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
