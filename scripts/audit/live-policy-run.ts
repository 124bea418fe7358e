import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FEEDBACK_BATCH_LIMIT, ITEM_IMPORT_LIMIT, topicName, type FeedbackEventV1 } from '@chorus/contracts';
import { itemFeatures } from '@chorus/reward';
import {
  applyNarrowing,
  catalogueItems,
  measureServedList,
  scoreAlertSignal,
  scoreDetection,
  sessionMeasures,
  simulateSession,
  summarizeRound,
  trueAuc,
  type AlertSignal,
  type AuditAlert,
  type DetectionScore,
  type NarrowingSchedule,
  type PolicyRunResult,
  type Population,
  type RoundMeasures,
  type SimulatedUser,
  type UserRoundMeasures,
} from '@chorus/simulation';
import { freePort, LocalStack, until, type ServiceName } from '../local-stack';
import type { AuditOptions } from './audit-options';
import { policyEnvironment, policySettings, type AuditPolicy } from './audit-policies';
import { codePopulation, narrowingOf, newsPopulation } from './audit-population';
import { createGatewayClient, type GatewayClient, type GatewaySchemas } from '@chorus/api-client';
import { gatewayAnswer } from '../gateway-answer';
import { mapLimit } from './map-limit';

/** What the runner reports while it works (progress bars). */
export interface PolicyProgress {
  (event: { policy: string; round: number; rounds: number; phase: string }): void;
}

export interface LivePolicyRun {
  readonly result: PolicyRunResult;
  readonly detection: DetectionScore[];
  readonly alertSignal: AlertSignal[];
  readonly population: Population;
}

/** How long any one wait on the pipeline may take before the audit gives up and says what it was waiting for. */
const WAIT_MS = 300_000;

type StoredAlert = GatewaySchemas['StoredDriftAlert'];

/** One domain's population in the run, with what the audit tracks of it. */
interface DomainRun {
  readonly population: Population;
  readonly schedule: NarrowingSchedule | undefined;
  /** Items each user has interacted with: the gateway serves only the others, so they are the regret's candidates. */
  readonly seen: Map<string, Set<string>>;
  /** Items each user has consumed so far (what homogenization compares). */
  readonly consumed: Map<string, Set<string>>;
  /** Whether the truth-side measures are taken on it (the news population; code is there for detection only). */
  readonly measured: boolean;
}

/** A policy's stack, up and holding the catalogue, ready for its first round. */
export interface PreparedStack {
  readonly policy: AuditPolicy;
  readonly stack: LocalStack;
  readonly gateway: GatewayClient;
  readonly domains: readonly DomainRun[];
  /** When preparation began (the run's seconds count from here). */
  readonly started: number;
  /** Stops the services and drops the database and topics. */
  close(): Promise<void>;
}

/**
 * Brings up a stack of the policy's own (fresh database, topic prefix, consumer groups and queues) with the services
 * configured for it (policyEnvironment: τ², personas, reliability weights, borrowing, serving), and imports the catalogue through the gateway. The audit prepares the next policy's
 * stack while the current one runs its rounds: starting five services is most of a small run's time.
 */
export async function prepareLiveStack(policy: AuditPolicy, options: AuditOptions, progress: PolicyProgress = () => undefined): Promise<PreparedStack> {
  const started = Date.now();
  const runId = randomBytes(3).toString('hex');
  const stack = new LocalStack({
    label: `audit-${policy.name}`,
    databaseUrl: `postgres://postgres@127.0.0.1:5432/chorus_audit_${runId}_${policy.name}`,
    prefix: `audit${runId}.${policy.name}.`,
    partitions: options.partitions,
    logDir: join(options.logDir ?? join(options.out, 'logs'), policy.name),
    say: () => undefined,
  });
  const report = (phase: string) => progress({ policy: policy.name, round: 0, rounds: options.rounds, phase });
  const interrupt = () => stack.kill();
  process.once('SIGINT', interrupt);
  const close = async () => {
    process.removeListener('SIGINT', interrupt);
    await stack.close({ drop: true });
  };
  try {
    report('starting the stack');
    await stack.reset();
    const env: NodeJS.ProcessEnv = {
      LOG_LEVEL: 'warn',
      ...policyEnvironment(policy),
      // The audit is one client making every request: per-key quotas sized for many clients would throttle it.
      GATEWAY_QUOTA_INGEST: '10000000',
      GATEWAY_QUOTA_READ: '10000000',
      GATEWAY_QUOTA_ADMIN: '10000000',
      // A round ends when the audit has sent everything, so drift-watch would wait out its idle merge timeout (2 s)
      // and flush interval (1 s) at the tail of every round; shorter ones end a round sooner and change no result
      // (exposures are produced before the feedback they caused, and every flush commits state with its offsets).
      DRIFT_MERGE_IDLE_MS: '250',
      DRIFT_FLUSH_INTERVAL_MS: '250',
      DRIFT_USER_HALF_LIFE_EVENTS: String(options.driftHalfLife),
      DRIFT_USER_MIN_EVENTS: String(options.driftMinEvents),
      // A round is a few seconds of wall time (the events' time): population points need buckets about that wide,
      // closed a second after their end (the round's feedback follows its exposures within a second or two).
      DRIFT_BUCKET_SECONDS: String(options.driftBucketSeconds),
      DRIFT_BUCKET_LATENESS_SECONDS: '1',
      DRIFT_ALERT_COOLDOWN_SECONDS: String(options.driftCooldownSeconds),
    };
    const services: ServiceName[] = ['gateway', 'learner', 'reranker', 'drift-watch', 'notifier'];
    const ports = await Promise.all(services.map(() => freePort()));
    await stack.start('gateway', ports[0]!, env);
    const gateway = createGatewayClient({ baseUrl: stack.url('gateway'), apiKey: stack.key });

    const news = newsPopulation(options);
    const domains: DomainRun[] = [{ population: news, schedule: narrowingOf(news, options), seen: new Map(), consumed: new Map(), measured: true }];
    if (options.code) {
      const code = codePopulation(options, news.users.filter((user) => user.group === 'broad').length);
      domains.push({ population: code, schedule: narrowingOf(code, options), seen: new Map(), consumed: new Map(), measured: false });
    }
    report('importing the catalogue');
    for (const { population } of domains) {
      const items = catalogueItems(population);
      for (let i = 0; i < items.length; i += ITEM_IMPORT_LIMIT) {
        await gatewayAnswer('POST /v1/items/import', gateway.POST('/v1/items/import', { body: { items: items.slice(i, i + ITEM_IMPORT_LIMIT) } }));
      }
    }
    // The other services read the catalogue from Postgres on first use; started after the import, none sees an
    // event about an item it cannot find.
    report('starting the services');
    await Promise.all(services.slice(1).map((service, k) => stack.start(service, ports[k + 1]!, env)));
    return { policy, stack, gateway, domains, started, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Runs one policy's rounds on its prepared stack, then closes it: each round every user is served by the gateway,
 * answers with the choice model, and the feedback goes back through POST /v1/feedback; the round ends when the learner
 * has applied it and drift-watch has read it (and, for calibrated serving, when every user's rerank has completed).
 * The truth-side measures are taken on the lists as served.
 */
export async function runPolicyLive(prepared: PreparedStack, options: AuditOptions, progress: PolicyProgress = () => undefined): Promise<LivePolicyRun> {
  const { policy, stack, gateway, domains, started } = prepared;
  const news = domains[0]!.population;
  const report = (round: number, phase: string) => progress({ policy: policy.name, round, rounds: options.rounds, phase });
  try {
    const rounds: RoundMeasures[] = [];
    const alerts: AuditAlert[] = [];
    const reranksPerRound: number[] = [];
    const knownAlerts = new Set<string>();
    let accepted = 0;
    let exposures = 0;
    const driftGroup = stack.baseEnv().DRIFT_GROUP_ID!;

    for (let round = 1; round <= options.rounds; round++) {
      const [{ now: roundStart }] = (await stack.db.query(`SELECT now()`)) as { now: Date }[];
      for (const domain of domains) if (domain.schedule) applyNarrowing(domain.population, domain.schedule, round);

      report(round, 'serving');
      const events: FeedbackEventV1[] = [];
      let measured: { user: SimulatedUser; measures: UserRoundMeasures }[] = [];
      let exposureCounts = new Float64Array(0);
      for (const domain of domains) {
        const { population } = domain;
        const served = await mapLimit(population.users, options.concurrency, (user) =>
          gatewayAnswer(
            'GET /v1/users/{id}/recommendations',
            gateway.GET('/v1/users/{id}/recommendations', { params: { path: { id: user.id }, query: { domain: population.domain, n: options.listLength } } }),
          ),
        );
        const counts = new Float64Array(population.items.length);
        // Sessions run in user order after every list is in: the choice model draws from the population's one stream,
        // so a seed gives the same choices for the same lists whatever order the requests completed in.
        population.users.forEach((user, u) => {
          const recommendation = served[u]!;
          if (recommendation.items.length === 0 || recommendation.listId === null) return;
          exposures += 1;
          const list = recommendation.items.map((item) => item.itemId);
          const seen = domain.seen.get(user.id) ?? new Set<string>();
          domain.seen.set(user.id, seen);
          const measures = domain.measured ? measureServedList(population, user, list, population.items.filter((item) => !seen.has(item.id))) : undefined;
          const session = simulateSession(population, user, list, { occurredAt: new Date(), listId: recommendation.listId });
          for (const event of session.events) {
            if (event.type === 'pairwise') {
              seen.add(event.chosenId);
              seen.add(event.rejectedId);
            } else seen.add(event.itemId);
          }
          events.push(...session.events);
          for (const itemId of list) counts[population.itemById.get(itemId)!.index]! += 1;
          const consumption = sessionMeasures(population, session, domain.consumed);
          if (measures) measured.push({ user, measures: { ...measures, ...consumption } });
        });
        if (domain.measured) exposureCounts = counts;
      }

      report(round, 'sending feedback');
      for (let i = 0; i < events.length; i += FEEDBACK_BATCH_LIMIT) {
        const answer = await gatewayAnswer('POST /v1/feedback', gateway.POST('/v1/feedback', { body: { events: events.slice(i, i + FEEDBACK_BATCH_LIMIT) } }));
        accepted += answer.accepted;
      }

      report(round, 'learner applying');
      await until(() => learnerDone(stack), (done) => done >= accepted || stack.stopped.size > 0, `the learner to apply round ${round} (${accepted} events)`, WAIT_MS, 100);
      failIfStopped(stack);

      if (policy.calibrated) {
        report(round, 'reranking');
        await rerankEveryone(gateway, news, options);
      }

      report(round, 'drift-watch reading');
      const feedbackTopic = topicName('feedback', stack.options.prefix);
      const exposuresTopic = topicName('exposures', stack.options.prefix);
      await until(
        () => committedOffsets(stack, driftGroup),
        (offsets) => ((offsets.get(feedbackTopic) ?? 0) >= accepted && (offsets.get(exposuresTopic) ?? 0) >= exposures) || stack.stopped.size > 0,
        `drift-watch to read round ${round}`,
        WAIT_MS,
        100,
      );
      failIfStopped(stack);
      for (const alert of await newAlerts(gateway, knownAlerts)) {
        const group = alert.scope === 'user' && alert.domain === news.domain ? news.userById.get(alert.subject)?.group : undefined;
        alerts.push({ round, scope: alert.scope, metric: alert.metric, domain: alert.domain, severity: alert.severity, subject: alert.subject, ...(group ? { group } : {}) });
      }

      const withAuc = round === options.rounds || (options.aucEvery > 0 && round % options.aucEvery === 0);
      let aucOf: ((user: SimulatedUser) => number) | undefined;
      if (withAuc) {
        report(round, 'scoring AUC');
        aucOf = await modelAuc(gateway, news, options.concurrency);
      }
      const [{ n: reranks }] = (await stack.db.query(`SELECT count(*)::int AS n FROM calibrated_lists WHERE created_at >= $1`, [roundStart])) as { n: number }[];
      reranksPerRound.push(reranks);
      rounds.push(summarizeRound(news, round, measured, aucOf, exposureCounts, domains[0]!.consumed));
      measured = [];
    }

    // What the population watch recorded: with buckets wider than the run (the service's hour), none closes and no
    // population alert can fire; --drift-bucket-seconds (about a round) is what makes these appear.
    const { points } = await gatewayAnswer(
      'GET /v1/admin/drift/series/population',
      gateway.GET('/v1/admin/drift/series/population', { params: { query: { domain: news.domain, limit: 10000 } } }),
    );

    const tau2 = await servedTau2(gateway, policy, news.domain);

    const detection = domains.map((domain) =>
      scoreDetection({
        domain: domain.population.domain,
        policy: policy.name,
        schedule: domain.schedule,
        // Every user of the domain: an alert on any unplanted user is a false alarm, so all of them are the quiet user-rounds.
        userIds: domain.population.users.map((user) => user.id),
        rounds: options.rounds,
        alerts,
      }),
    );
    const alertSignal = domains.flatMap((domain) =>
      scoreAlertSignal({ domain: domain.population.domain, policy: policy.name, schedule: domain.schedule, alerts }),
    );
    report(options.rounds, 'done');
    return {
      population: news,
      detection,
      alertSignal,
      result: {
        policy: policy.name,
        description: policy.description,
        tau2,
        calibrated: policy.calibrated,
        ...(Object.keys(policySettings(policy)).length > 0 ? { settings: policySettings(policy) } : {}),
        rounds,
        events: accepted,
        alerts,
        reranksPerRound,
        populationPoints: points.length,
        seconds: (Date.now() - started) / 1000,
      },
    };
  } finally {
    await prepared.close();
  }
}

/**
 * The τ² the gateway served the run's last round with (GET /v1/models/aggregate): the policy's own, or where it is
 * learned the estimate the events gave. A pooling strength other than the policy's means its configuration did not
 * reach the services, and the run would be reported under a name it did not run: refused.
 */
async function servedTau2(gateway: GatewayClient, policy: AuditPolicy, domain: string): Promise<number> {
  const { pooling } = await gatewayAnswer('GET /v1/models/aggregate', gateway.GET('/v1/models/aggregate', { params: { query: { domain } } }));
  const expected = policy.tau2 === undefined ? 'learned' : `fixed at ${policy.tau2}`;
  const served = pooling.source === 'learned' ? 'learned' : `fixed at ${pooling.tau2}`;
  if (served !== expected) throw new Error(`policy ${policy.name} sets τ² ${expected}, but the gateway served τ² ${served}: the policy's environment did not reach it`);
  return pooling.tau2;
}

function failIfStopped(stack: LocalStack): void {
  if (stack.stopped.size === 0) return;
  const [service, code] = [...stack.stopped][0]!;
  throw new Error(`${service} stopped with exit code ${code} during the audit; see ${join(stack.options.logDir, `${service}.log`)}`);
}

/** Events the learner has finished with (applied, dead-lettered or dropped as duplicates), as it committed them. */
async function learnerDone(stack: LocalStack): Promise<number> {
  const rows = (await stack.db.query(`SELECT name, value FROM learner_counters`)) as { name: string; value: string }[];
  const counter = new Map(rows.map((row) => [row.name, Number(row.value)]));
  return (counter.get('applied') ?? 0) + (counter.get('dead_lettered') ?? 0) + (counter.get('duplicates') ?? 0);
}

/** Records a consumer group has committed per topic (offsets start at 0 on the stack's fresh topics). */
async function committedOffsets(stack: LocalStack, group: string): Promise<Map<string, number>> {
  const rows = (await stack.db.query(`SELECT topic, coalesce(sum(next_offset), 0)::bigint AS n FROM consumer_offsets WHERE group_id = $1 GROUP BY topic`, [group])) as {
    topic: string;
    n: string;
  }[];
  return new Map(rows.map((row) => [row.topic, Number(row.n)]));
}

/** Alerts not seen before, read from the gateway's alert route (newest first, paged). */
async function newAlerts(gateway: GatewayClient, known: Set<string>): Promise<StoredAlert[]> {
  const fresh: StoredAlert[] = [];
  let cursor: string | null = null;
  do {
    const page: GatewaySchemas['DriftAlertPage'] = await gatewayAnswer(
      'GET /v1/admin/drift/alerts',
      gateway.GET('/v1/admin/drift/alerts', { params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } } }),
    );
    let reachedKnown = false;
    for (const alert of page.items) {
      if (known.has(alert.alertId)) {
        reachedKnown = true;
        continue;
      }
      known.add(alert.alertId);
      fresh.push(alert);
    }
    cursor = reachedKnown ? null : page.nextCursor;
  } while (cursor);
  return fresh.reverse();
}

/** Asks for a calibrated list for every user and waits until each job has ended. */
async function rerankEveryone(gateway: GatewayClient, population: Population, options: AuditOptions): Promise<void> {
  const { jobIds } = await gatewayAnswer(
    'POST /v1/admin/rerank',
    gateway.POST('/v1/admin/rerank', { body: { domain: population.domain, userIds: population.users.map((user) => user.id), n: options.listLength } }),
  );
  let pending = jobIds;
  await until(
    async () => {
      const states = await mapLimit(pending, options.concurrency, (jobId) =>
        gatewayAnswer('GET /v1/admin/rerank/jobs/{id}', gateway.GET('/v1/admin/rerank/jobs/{id}', { params: { path: { id: jobId } } })),
      );
      pending = pending.filter((_, k) => states[k]!.state !== 'completed' && states[k]!.state !== 'failed');
      return pending.length;
    },
    (left) => left === 0,
    `the reranker to complete ${jobIds.length} calibrated lists`,
    WAIT_MS,
    250,
  );
}

/**
 * AUC against the truth of the model the services hold: each user's personalized weights (GET /v1/users/:id/model)
 * and the aggregate's item intercepts score every catalogue item as r_u(i) = (β + b_u)·φ(i) + c_i. Read through the
 * model routes, not recommendations, so measuring logs no exposure the user never saw.
 */
async function modelAuc(gateway: GatewayClient, population: Population, concurrency: number): Promise<(user: SimulatedUser) => number> {
  const aggregate = await gatewayAnswer(
    'GET /v1/models/aggregate',
    gateway.GET('/v1/models/aggregate', { params: { query: { domain: population.domain, includeItems: 'true' } } }),
  );
  const phi = new Map(population.items.map((item) => [item.id, itemFeatures({ categories: item.categories, ...(item.stance === undefined ? {} : { stance: item.stance }) })]));
  const models = await mapLimit(population.users, concurrency, (user) =>
    gatewayAnswer('GET /v1/users/{id}/model', gateway.GET('/v1/users/{id}/model', { params: { path: { id: user.id }, query: { domain: population.domain } } })),
  );
  // Maps, not the parsed objects: feature names are data, and "constructor" must not find Object.prototype's.
  const aggregateMean = new Map(Object.entries(aggregate.weights).map(([feature, weight]) => [feature, weight.mean]));
  const personalizedOf = new Map(population.users.map((user, u) => [user.id, new Map(Object.entries(models[u]!.personalized))]));
  return (user) => {
    const weights = personalizedOf.get(user.id)!;
    return trueAuc(population, user, (item) => {
      let score = aggregateMean.get(`item:${item.id}`) ?? 0;
      for (const [feature, value] of phi.get(item.id)!) score += (weights.get(feature) ?? aggregateMean.get(feature) ?? 0) * value;
      return score;
    });
  };
}
