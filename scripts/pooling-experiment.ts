/**
 * The pooling strength τ² on MovieLens latest-small, offline, with the project's own libraries (issue #16): fixed τ²
 * against τ² learned by empirical Bayes while the replay runs.
 *
 *   npm run experiment:pooling -- [--data <dir>] [--fixed 0.25,1,4,16] [--every 2000] [--steps 20] [--grid 0.25,0.5,…,32]
 *
 * Protocol (the demo's): every rating in time order is scored by the aggregate and the personalized model *before*
 * either learns it (prequential), ratings ≥ 4 are positive, and the figure is ROC AUC on the last 10% in time. The
 * models are the learner's: aggregate over genres + item intercepts, a deviation per user with prior N(0, τ²), ratings
 * weighted by distance from the scale's midpoint (ratingLabel), updateOnObservation.
 *
 * Learned τ²: starts at the prior's mode (1); every `every` events the users' posteriors give the EM M-step
 * (PoolingStrengthEvidence, DEFAULT_POOLING_STRENGTH_PRIOR) and every stored posterior is rebased to the new value
 * (rebasePosterior) — `steps` such alternations per re-estimation, which converge to EM's fixed point for the
 * posteriors held at that moment. No event is replayed, as in a live learner.
 */
import { resolve } from 'node:path';
import {
  DEFAULT_POOLING_GRID,
  DEFAULT_POOLING_STRENGTH_PRIOR,
  POOLING_REFRESH_EVENTS,
  DiagonalGaussianLogistic,
  PoolingStrengthEvidence,
  PoolingStrengthGrid,
  ratingLabel,
  rebasePosterior,
  rebasedInterceptLogits,
  rebasedLogits,
  rebaseItemIntercepts,
  rocAuc,
  updateOnObservation,
} from '@chorus/reward';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { movieVectors } from './movielens/prequential-sweep';
import { inReplayOrder, readMovieLens } from './movielens-reader';

const SCALE = { min: 0.5, max: 5 };
const usage = `usage: npm run experiment:pooling -- [--data <dir>] [--fixed 0.25,1,4,16] [--every 2000] [--steps 20] [--grid 0.25,0.5,1,2,4,8,16,32]`;

function options() {
  const values = parseFlags(usage, {
    data: { type: 'string', default: resolve(__dirname, '..', '..', '..', 'shared', 'data', 'movielens-latest-small') },
    fixed: { type: 'string', default: '0.25,1,4,16' },
    every: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '20' },
    grid: { type: 'string', default: '0.25,0.5,1,2,4,8,16,32' },
  });
  const integer = (name: string, text: string, min: number) => numberFlag(name, text, { min, max: Number.MAX_SAFE_INTEGER, integer: true });
  // The learner's bound (LEARNER_TAU2): past it the score variance overflows on the first event.
  const list = (name: string, text: string, positive: boolean) =>
    text.split(',').map((item) => {
      const value = Number(item);
      if (item.trim() === '' || !(positive ? value > 0 : value >= 0) || !(value <= MAX_PRIOR_VARIANCE)) {
        throw new UsageError(`--${name} takes τ² values in ${positive ? '(0' : '[0'}, ${MAX_PRIOR_VARIANCE}] separated by commas, got "${item}"`);
      }
      return value;
    });
  const grid = list('grid', values.grid, true);
  if (grid.some((tau2, k) => k > 0 && !(tau2 > grid[k - 1]!))) throw new UsageError(`--grid must ascend, got "${values.grid}"`);
  return { data: values.data, fixed: list('fixed', values.fixed, false), grid, every: integer('every', values.every, 1), steps: integer('steps', values.steps, 1) };
}

interface Replay {
  label: string;
  tail: { aggregate: number; personalized: number };
  all: { aggregate: number; personalized: number };
  tau2: number;
  /** τ² after each re-estimation (learned runs). */
  path: number[];
}

/** ROC AUC of both models' prequential scores from event `from` on. */
function aucFrom(scores: { aggregate: Float64Array; personalized: Float64Array }, labels: Uint8Array, from: number) {
  const positive = Array.from(labels.subarray(from), (l) => l === 1);
  return {
    aggregate: rocAuc(Array.from(scores.aggregate.subarray(from)), positive),
    personalized: rocAuc(Array.from(scores.personalized.subarray(from)), positive),
  };
}

function replay(label: string, data: ReturnType<typeof readMovieLens>, tau2: number, learn?: { every: number; steps: number }): Replay {
  const vectors = movieVectors(data.movies);
  // The learner's defaults: LEARNER_PRIOR_VARIANCE = LEARNER_ITEM_PRIOR_VARIANCE = 1.
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const users = new Map<string, DiagonalGaussianLogistic>();
  const ratings = inReplayOrder(data.ratings);
  const scores = { aggregate: new Float64Array(ratings.length), personalized: new Float64Array(ratings.length) };
  const labels = new Uint8Array(ratings.length);
  const path: number[] = [];
  let current = tau2;
  ratings.forEach((rating, index) => {
    const item = vectors.get(rating.movieId);
    if (!item) throw new Error(`rating of movie ${rating.movieId}, which movies.csv does not list`);
    let user = users.get(rating.userId);
    if (!user) users.set(rating.userId, (user = new DiagonalGaussianLogistic({ priorVariance: current })));
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    const logits = updateOnObservation(aggregate, user, { aggregateX: item.aggregateX, userX: item.phi, y, weight });
    scores.aggregate[index] = logits.aggregate;
    scores.personalized[index] = logits.personalized;
    labels[index] = rating.rating >= 4 ? 1 : 0;
    if (learn && (index + 1) % learn.every === 0) {
      for (let step = 0; step < learn.steps; step++) {
        const evidence = new PoolingStrengthEvidence();
        for (const model of users.values()) evidence.add(model.toJSON());
        const next = evidence.estimate(DEFAULT_POOLING_STRENGTH_PRIOR);
        for (const [id, model] of users) {
          users.set(id, DiagonalGaussianLogistic.fromJSON(rebasePosterior(model.toJSON(), current, next), { priorVariance: next }));
        }
        current = next;
      }
      path.push(current);
    }
  });
  const auc = (from: number) => aucFrom(scores, labels, from);
  return { label, tail: auc(Math.floor(ratings.length * 0.9)), all: auc(0), tau2: current, path };
}

/**
 * τ² chosen by evidence (PoolingStrengthGrid): the user deviations run once per τ² of the grid (one aggregate, shared:
 * its update does not depend on τ²), and each event is served by the grid member whose predictions have the smallest
 * cumulative weighted log-loss so far (type-II maximum likelihood on the grid, measured on predictions).
 */
function replayGrid(label: string, data: ReturnType<typeof readMovieLens>, grid: readonly number[]): Replay {
  const vectors = movieVectors(data.movies);
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const evidence = new PoolingStrengthGrid(grid);
  const users = grid.map(() => new Map<string, DiagonalGaussianLogistic>());
  const ratings = inReplayOrder(data.ratings);
  const scores = { aggregate: new Float64Array(ratings.length), personalized: new Float64Array(ratings.length) };
  const labels = new Uint8Array(ratings.length);
  const path: number[] = [];
  ratings.forEach((rating, index) => {
    const item = vectors.get(rating.movieId)!;
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    const leader = evidence.leaderIndex();
    const offset = aggregate.update(item.aggregateX, y, weight);
    grid.forEach((tau2, k) => {
      let user = users[k]!.get(rating.userId);
      if (!user) users[k]!.set(rating.userId, (user = new DiagonalGaussianLogistic({ priorVariance: tau2 })));
      const z = user.update(item.phi, y, weight, offset);
      if (k === leader) scores.personalized[index] = z;
      evidence.record(k, z, y, weight);
    });
    scores.aggregate[index] = offset;
    labels[index] = rating.rating >= 4 ? 1 : 0;
    if ((index + 1) % 2000 === 0) path.push(grid[leader]!);
  });
  const auc = (from: number) => aucFrom(scores, labels, from);
  return { label, tail: auc(Math.floor(ratings.length * 0.9)), all: auc(0), tau2: path.at(-1) ?? grid[0]!, path };
}

/**
 * The learner's policy: one deviation per user; each event is scored under every τ² of the grid by rebasing that one
 * posterior (rebasedLogits) and served and learned under its partition's current τ²; a partition re-reads the leader
 * of its own evidence every POOLING_REFRESH_EVENTS of its events, and a user whose posterior was learned under another
 * τ² is rebased at their next event. Users go to `partitions` partitions by a hash of their id (as Kafka's key
 * partitioner does); each partition has its own evidence (and, as in the learner, its own aggregate shard is not
 * modelled: the aggregate here is one).
 */
function replayRebased(label: string, data: ReturnType<typeof readMovieLens>, grid: readonly number[], partitions: number, mode = 1, learnItemVariance = false): Replay {
  const vectors = movieVectors(data.movies);
  // With learnItemVariance, the aggregate's item-intercept prior variance σ²_c is learned as the learner does it
  // (rebasedInterceptLogits into a grid of its own, the leader re-read every POOLING_REFRESH_EVENTS events, the
  // aggregate's intercepts rebased to it); else it stays 1 (LEARNER_ITEM_PRIOR_VARIANCE's old default).
  const aggregateOptions = (items: number) => ({ priorVariance: (feature: string) => (feature.startsWith('item:') ? items : 1) });
  const items = learnItemVariance ? { evidence: new PoolingStrengthGrid(DEFAULT_POOLING_GRID), variance: 1, events: 0 } : undefined;
  if (items) items.variance = items.evidence.leader();
  let aggregate = new DiagonalGaussianLogistic(aggregateOptions(items?.variance ?? 1));
  const shards = Array.from({ length: partitions }, () => {
    const evidence = new PoolingStrengthGrid(grid, { mode, logSd: Math.log(4) });
    return { evidence, tau2: evidence.leader(), events: 0 };
  });
  const users = new Map<string, { model: DiagonalGaussianLogistic; tau2: number; shard: (typeof shards)[number] }>();
  const ratings = inReplayOrder(data.ratings);
  const scores = { aggregate: new Float64Array(ratings.length), personalized: new Float64Array(ratings.length) };
  const labels = new Uint8Array(ratings.length);
  const path: number[] = [];
  ratings.forEach((rating, index) => {
    const item = vectors.get(rating.movieId)!;
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    let user = users.get(rating.userId);
    if (!user) {
      const shard = shards[hash(rating.userId) % partitions]!;
      users.set(rating.userId, (user = { model: new DiagonalGaussianLogistic({ priorVariance: shard.tau2 }), tau2: shard.tau2, shard }));
    }
    const { shard } = user;
    if (user.tau2 !== shard.tau2) {
      user.model = DiagonalGaussianLogistic.fromJSON(rebasePosterior(user.model.toJSON(), user.tau2, shard.tau2), { priorVariance: shard.tau2 });
      user.tau2 = shard.tau2;
    }
    const candidates = rebasedLogits(grid, user.model, user.tau2, item.phi, aggregate.logit(item.aggregateX), aggregate.predictiveVariance(item.aggregateX));
    shard.evidence.recordAll(candidates, y, weight);
    if (items) items.evidence.recordAll(rebasedInterceptLogits(DEFAULT_POOLING_GRID, aggregate, items.variance, item.aggregateX), y, weight);
    const logits = updateOnObservation(aggregate, user.model, { aggregateX: item.aggregateX, userX: item.phi, y, weight });
    if (items && ++items.events % POOLING_REFRESH_EVENTS === 0 && items.evidence.leader() !== items.variance) {
      aggregate = DiagonalGaussianLogistic.fromJSON(rebaseItemIntercepts(aggregate.toJSON(), items.variance, items.evidence.leader()), aggregateOptions(items.evidence.leader()));
      items.variance = items.evidence.leader();
    }
    if (++shard.events % POOLING_REFRESH_EVENTS === 0) shard.tau2 = shard.evidence.leader();
    scores.aggregate[index] = logits.aggregate;
    scores.personalized[index] = logits.personalized;
    labels[index] = rating.rating >= 4 ? 1 : 0;
    if ((index + 1) % 2000 === 0) path.push(shards[0]!.tau2);
  });
  const auc = (from: number) => aucFrom(scores, labels, from);
  if (items) process.stdout.write(`[pooling] ${label}: item-intercept prior variance σ²_c at the end ${items.variance.toFixed(3)}\n`);
  return { label, tail: auc(Math.floor(ratings.length * 0.9)), all: auc(0), tau2: shards[0]!.tau2, path };
}

/** FNV-1a of a string, for assigning users to partitions. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}


function main(): void {
  const opts = options();
  const data = readMovieLens(opts.data);
  process.stdout.write(`[pooling] MovieLens: ${data.ratings.length} ratings, ${data.movies.length} movies; prequential AUC, last 10% in time\n`);
  const rows: Replay[] = [];
  for (const tau2 of opts.fixed) {
    const started = Date.now();
    rows.push(replay(`fixed τ² = ${tau2}`, data, tau2));
    process.stdout.write(`[pooling] fixed τ² = ${tau2}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const started = Date.now();
  rows.push(replay('τ² by EM',  data, DEFAULT_POOLING_STRENGTH_PRIOR.scale / (DEFAULT_POOLING_STRENGTH_PRIOR.shape + 1), opts));
  process.stdout.write(`[pooling] learned: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  rows.push(replayGrid('τ² by evidence', data, opts.grid));
  rows.push(replayRebased('τ² learned (learner)', data, DEFAULT_POOLING_GRID, 1));
  rows.push(replayRebased('learned, prior mode ¼', data, DEFAULT_POOLING_GRID, 1, 0.25));
  rows.push(replayRebased('learned, prior mode 4', data, DEFAULT_POOLING_GRID, 1, 4));
  rows.push(replayRebased('learned, 3 partitions', data, DEFAULT_POOLING_GRID, 3));
  rows.push(replayRebased('learned, 6 partitions', data, DEFAULT_POOLING_GRID, 6));
  rows.push(replayRebased('learned τ² and σ²_c', data, DEFAULT_POOLING_GRID, 1, 1, true));
  process.stdout.write('\n');
  const f = (x: number) => x.toFixed(3);
  const g = (x: number) => x.toFixed(4);
  process.stdout.write(`${'policy'.padEnd(22)}${'τ² at end'.padStart(10)}${'AUC tail agg'.padStart(14)}${'AUC tail pers'.padStart(15)}${'AUC all pers'.padStart(14)}\n`);
  for (const row of rows) {
    process.stdout.write(`${row.label.padEnd(22)}${f(row.tau2).padStart(10)}${g(row.tail.aggregate).padStart(14)}${g(row.tail.personalized).padStart(15)}${g(row.all.personalized).padStart(14)}\n`);
  }
  process.stdout.write('\nτ² after 25 / 50 / 75 / 100% of the replay:\n');
  for (const row of rows.filter((r) => r.path.length > 0)) {
    const quartiles = [0.25, 0.5, 0.75, 1].map((q) => row.path[Math.max(0, Math.ceil(q * row.path.length) - 1)]!);
    process.stdout.write(`  ${row.label.padEnd(22)}${quartiles.map(f).join(' / ')}\n`);
  }
}

runCommand('pooling', usage, main);
