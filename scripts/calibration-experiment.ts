/**
 * Steck's calibration experiment (RecSys 2018, §5) on MovieLens latest-small, offline, with the project's own
 * libraries: the reward models of DESIGN §4 (libs/reward) trained on a time-ordered split, Steck's greedy
 * (libs/calibration) over a λ sweep, and per λ the mean C_KL and precision@10 of the lists.
 *
 *   npm run experiment:calibration -- [--data <dir>] [--tau2 1] [--candidates 500] [--n 10] [--test-fraction 0.2]
 *                                     [--min-train 10] [--profile all|positive] [--relevance sigmoid|minmax]
 *
 * Protocol:
 * - split: per user, ratings in time order; the last `test-fraction` of each user's ratings are held out (a user's
 *   future); everything before is training, learned in global time order (the replay order of the demo).
 * - models: aggregate + per-user deviations (τ²) updated online, exactly as the learner does (ratings ≥ 4 positive,
 *   weighted by distance from the midpoint).
 * - candidates: the user's top C unseen (not in training) movies by personalized logit; relevance σ(logit)
 *   (`--relevance minmax`: the logits rescaled to [0, 1] over the candidates).
 * - profile p(g|u): the user's training movies, genres uniform per movie (Steck §2), each movie weight 1 — what the
 *   reranker service does (`--profile positive`: only movies rated ≥ 4).
 * - test positives: the user's held-out ratings ≥ 4. Users with fewer than `min-train` training ratings or no test
 *   positive are not evaluated.
 * - per λ: mean C_KL(p ‖ q̃) (α = 0.01) of the returned lists, precision@n, mean relevance retained, the minority share
 *   (list vs profile, categories under 20% of the profile), and how often the guard returned the accuracy list.
 */
import { resolve } from 'node:path';
import { calibratedRerank, categoryDistribution, uniformCategoryDistribution } from '@chorus/calibration';
import { MAX_PRIOR_VARIANCE, ModelPriors } from '@chorus/scoring';
import {
  binaryObservation,
  DiagonalGaussianLogistic,
  itemFeatures,
  personalizedLogit,
  ratingLabel,
  updateOnObservation,
  withItemIntercept,
  type SparseVector,
} from '@chorus/reward';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { inReplayOrder, readMovieLens, type MovieLensRating } from './movielens-reader';

const LAMBDAS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
const SCALE = { min: 0.5, max: 5 };
const POSITIVE_AT = 4;

const usage =
  'usage: npm run experiment:calibration -- [--data <dir>] [--tau2 1] [--candidates 500] [--n 10] [--test-fraction 0.2] [--min-train 10] [--profile all|positive] [--relevance sigmoid|minmax]';

function options() {
  const values = parseFlags(usage, {
    data: { type: 'string', default: resolve(__dirname, '..', '..', '..', 'shared', 'data', 'movielens-latest-small') },
    tau2: { type: 'string', default: '1' },
    candidates: { type: 'string', default: '500' },
    n: { type: 'string', default: '10' },
    'test-fraction': { type: 'string', default: '0.2' },
    'min-train': { type: 'string', default: '10' },
    profile: { type: 'string', default: 'all' },
    relevance: { type: 'string', default: 'sigmoid' },
  });
  const number = (name: keyof typeof values, min: number, max: number, integer: boolean) => numberFlag(name, values[name], { min, max, integer });
  if (!['all', 'positive'].includes(values.profile!)) throw new UsageError(`--profile must be all or positive, got "${values.profile}"`);
  if (!['sigmoid', 'minmax'].includes(values.relevance!)) throw new UsageError(`--relevance must be sigmoid or minmax, got "${values.relevance}"`);
  return {
    data: values.data!,
    tau2: number('tau2', 0, MAX_PRIOR_VARIANCE, false),
    candidates: number('candidates', 1, 1e6, true),
    n: number('n', 1, 200, true),
    testFraction: number('test-fraction', 0.01, 0.9, false),
    minTrain: number('min-train', 1, 1e6, true),
    profile: values.profile as 'all' | 'positive',
    relevance: values.relevance as 'sigmoid' | 'minmax',
  };
}

interface Movie {
  categories: Record<string, number>;
  userX: SparseVector;
  aggregateX: SparseVector;
}

function main(): void {
  const opts = options();
  const started = Date.now();
  const { ratings, movies } = readMovieLens(opts.data);
  const catalogue = new Map<string, Movie>();
  for (const movie of movies) {
    const categories = uniformCategoryDistribution(movie.genres);
    const phi = itemFeatures({ categories });
    catalogue.set(movie.movieId, { categories, userX: phi, aggregateX: withItemIntercept(phi, movie.movieId) });
  }

  // Time-ordered split per user: the last test-fraction of each user's ratings is their future.
  const byUser = new Map<string, MovieLensRating[]>();
  for (const rating of inReplayOrder(ratings)) {
    if (!catalogue.has(rating.movieId)) continue;
    const list = byUser.get(rating.userId) ?? [];
    list.push(rating);
    byUser.set(rating.userId, list);
  }
  const train: MovieLensRating[] = [];
  const test = new Map<string, MovieLensRating[]>();
  for (const [userId, list] of byUser) {
    const cut = list.length - Math.floor(list.length * opts.testFraction);
    train.push(...list.slice(0, cut));
    test.set(userId, list.slice(cut));
  }

  // Train the reward models online in global time order, as the learner would.
  const priors = new ModelPriors({ LEARNER_TAU2: opts.tau2, LEARNER_TAU2_BY_DOMAIN: {}, LEARNER_PRIOR_VARIANCE: 1, LEARNER_ITEM_PRIOR_VARIANCE: 1, LEARNER_FORGETTING: 0, LEARNER_MAX_PERSONAS: 1 });
  const aggregate = new DiagonalGaussianLogistic(priors.aggregate);
  const users = new Map<string, DiagonalGaussianLogistic>();
  const history = new Map<string, MovieLensRating[]>();
  for (const rating of inReplayOrder(train)) {
    const movie = catalogue.get(rating.movieId)!;
    let user = users.get(rating.userId);
    if (!user) users.set(rating.userId, (user = new DiagonalGaussianLogistic(priors.user('movies'))));
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    updateOnObservation(aggregate, user, binaryObservation(movie.userX, rating.movieId, y, weight));
    const seen = history.get(rating.userId) ?? [];
    seen.push(rating);
    history.set(rating.userId, seen);
  }
  const trainedAt = Date.now();

  const totals = LAMBDAS.map(() => ({ kl: 0, hits: 0, retained: 0, retainedCount: 0, minority: 0, minorityProfile: 0, fallback: 0 }));
  let evaluated = 0;
  const movieIds = [...catalogue.keys()];
  for (const [userId, seen] of history) {
    const positives = new Set((test.get(userId) ?? []).filter((r) => r.rating >= POSITIVE_AT).map((r) => r.movieId));
    if (seen.length < opts.minTrain || positives.size === 0) continue;
    const profileItems = opts.profile === 'all' ? seen : seen.filter((r) => r.rating >= POSITIVE_AT);
    if (profileItems.length === 0) continue;
    const profile = categoryDistribution(profileItems.map((r) => ({ categories: catalogue.get(r.movieId)!.categories })));
    const user = users.get(userId)!;
    const seenIds = new Set(seen.map((r) => r.movieId));
    const scored: { id: string; logit: number }[] = [];
    for (const movieId of movieIds) {
      if (seenIds.has(movieId)) continue;
      const movie = catalogue.get(movieId)!;
      scored.push({ id: movieId, logit: personalizedLogit(aggregate, user, movie.aggregateX, movie.userX) });
    }
    scored.sort((a, b) => b.logit - a.logit || (a.id < b.id ? -1 : 1));
    const top = scored.slice(0, opts.candidates);
    const low = top[top.length - 1]!.logit;
    const span = top[0]!.logit - low;
    const candidates = top.map(({ id, logit }) => ({
      id,
      score: opts.relevance === 'sigmoid' ? 1 / (1 + Math.exp(-logit)) : span > 0 ? (logit - low) / span : 1,
      categories: catalogue.get(id)!.categories,
    }));
    const n = Math.min(opts.n, candidates.length);
    evaluated++;
    LAMBDAS.forEach((lambda, k) => {
      const result = calibratedRerank({ candidates, profile, n, lambda });
      const t = totals[k]!;
      t.kl += result.klAfter;
      t.hits += result.items.filter((id) => positives.has(id)).length / n;
      if (result.relevanceRetained !== null) {
        t.retained += result.relevanceRetained;
        t.retainedCount++;
      }
      t.minority += result.minorityShare.listShare;
      t.minorityProfile += result.minorityShare.profileShare;
      if (result.listSource === 'accuracy-list') t.fallback++;
    });
  }
  const finished = Date.now();

  const pad = (text: string, width: number) => text.padStart(width);
  const lines = [
    `Steck calibration experiment on ${opts.data}`,
    `  ${ratings.length} ratings, ${movies.length} movies; per-user time-ordered split, last ${opts.testFraction * 100}% held out; τ² = ${opts.tau2}`,
    `  ${evaluated} users evaluated (≥ ${opts.minTrain} training ratings and ≥ 1 held-out rating ≥ ${POSITIVE_AT}); C = ${opts.candidates} candidates, n = ${opts.n}, α = 0.01`,
    `  profile: ${opts.profile === 'all' ? 'every training movie, weight 1' : 'training movies rated ≥ 4'}; relevance: ${opts.relevance === 'sigmoid' ? 'σ(logit)' : 'min-max of the logits over the candidates'}`,
    '',
    `${pad('λ', 5)} ${pad('mean C_KL', 10)} ${pad(`prec@${opts.n}`, 9)} ${pad('rel. kept', 10)} ${pad('minority share (list / profile)', 32)} ${pad('accuracy-list guard', 20)}`,
  ];
  LAMBDAS.forEach((lambda, k) => {
    const t = totals[k]!;
    lines.push(
      `${pad(lambda.toFixed(2), 5)} ${pad((t.kl / evaluated).toFixed(4), 10)} ${pad((t.hits / evaluated).toFixed(4), 9)} ${pad((t.retained / Math.max(1, t.retainedCount)).toFixed(4), 10)} ${pad(
        `${(t.minority / evaluated).toFixed(4)} / ${(t.minorityProfile / evaluated).toFixed(4)}`,
        32,
      )} ${pad(`${t.fallback} of ${evaluated}`, 20)}`,
    );
  });
  lines.push('', `training ${((trainedAt - started) / 1000).toFixed(1)} s, reranking ${((finished - trainedAt) / 1000).toFixed(1)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

runCommand('calibration', usage, main);
