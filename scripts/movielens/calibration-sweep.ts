import { calibratedRerank, categoryDistribution, uniformCategoryDistribution } from '@chorus/calibration';
import { ModelPriors } from '@chorus/scoring';
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
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CalibrationSweepRow } from '@chorus/report';
import { inReplayOrder, type MovieLensMovie, type MovieLensRating } from '../movielens-reader';

/** Steck's λ values swept by `npm run experiment:calibration` and the demo's report. */
export const CALIBRATION_LAMBDAS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99] as const;
const SCALE = { min: 0.5, max: 5 };
/** Ratings ≥ 4 are the positives, as everywhere in the replay. */
export const POSITIVE_AT = 4;

export interface CalibrationSweepOptions {
  readonly tau2: number;
  /** Candidates per user: the top C unseen movies by personalized logit. */
  readonly candidates: number;
  /** List length. */
  readonly n: number;
  /** Share of each user's ratings (the last, in time) held out. */
  readonly testFraction: number;
  /** Users with fewer training ratings are not evaluated. */
  readonly minTrain: number;
  /** The profile p(g|u): every training movie, or only those rated ≥ 4. */
  readonly profile: 'all' | 'positive';
  /** Relevance of a candidate: σ(logit), or the logits min-max scaled over the candidates. */
  readonly relevance: 'sigmoid' | 'minmax';
  readonly lambdas?: readonly number[];
}

export const DEFAULT_CALIBRATION_SWEEP: CalibrationSweepOptions = { tau2: 1, candidates: 500, n: 10, testFraction: 0.2, minTrain: 10, profile: 'all', relevance: 'sigmoid' };

export interface CalibrationSweep {
  readonly options: CalibrationSweepOptions;
  /** Users evaluated: ≥ minTrain training ratings and ≥ 1 held-out rating ≥ 4. */
  readonly evaluated: number;
  readonly rows: readonly CalibrationSweepRow[];
  readonly trainingSeconds: number;
  readonly rerankingSeconds: number;
}

interface Movie {
  categories: Record<string, number>;
  userX: SparseVector;
  aggregateX: SparseVector;
}

/**
 * Steck's calibration experiment (RecSys 2018, §5), offline, with the project's own libraries — the computation of
 * `npm run experiment:calibration`, shared with the demo's report:
 * - split: per user, ratings in time order; the last `testFraction` of each user's ratings are held out (a user's
 *   future); everything before is training, learned in global time order (the replay order of the demo).
 * - models: aggregate + per-user deviations (τ²) updated online, exactly as the learner does (ratings ≥ 4 positive,
 *   weighted by distance from the midpoint).
 * - candidates: the user's top C unseen (not in training) movies by personalized logit; relevance σ(logit) or min-max.
 * - profile p(g|u): the user's training movies (or those rated ≥ 4), genres uniform per movie (Steck §2), weight 1.
 * - per λ: mean C_KL, precision@n, relevance kept, minority share, how often the guard returned the accuracy list.
 */
export function calibrationSweep(ratings: readonly MovieLensRating[], movies: readonly MovieLensMovie[], opts: CalibrationSweepOptions): CalibrationSweep {
  const lambdas = opts.lambdas ?? CALIBRATION_LAMBDAS;
  const started = Date.now();
  const catalogue = new Map<string, Movie>();
  for (const movie of movies) {
    const categories = uniformCategoryDistribution(movie.genres);
    const phi = itemFeatures({ categories });
    catalogue.set(movie.movieId, { categories, userX: phi, aggregateX: withItemIntercept(phi, movie.movieId) });
  }

  // Time-ordered split per user: the last testFraction of each user's ratings is their future.
  const byUser = new Map<string, MovieLensRating[]>();
  for (const rating of inReplayOrder([...ratings])) {
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

  const totals = lambdas.map(() => ({ kl: 0, hits: 0, retained: 0, retainedCount: 0, minority: 0, minorityProfile: 0, fallback: 0 }));
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
    if (top.length === 0) continue;
    const low = top[top.length - 1]!.logit;
    const span = top[0]!.logit - low;
    const candidates = top.map(({ id, logit }) => ({
      id,
      score: opts.relevance === 'sigmoid' ? 1 / (1 + Math.exp(-logit)) : span > 0 ? (logit - low) / span : 1,
      categories: catalogue.get(id)!.categories,
    }));
    const n = Math.min(opts.n, candidates.length);
    evaluated++;
    lambdas.forEach((lambda, k) => {
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
  return {
    options: opts,
    evaluated,
    // No user to evaluate (a short slice): no row, rather than means of nothing.
    rows: evaluated === 0 ? [] : lambdas.map((lambda, k) => {
      const t = totals[k]!;
      return {
        lambda,
        kl: t.kl / evaluated,
        precision: t.hits / evaluated,
        relevanceKept: t.retained / Math.max(1, t.retainedCount),
        minorityListShare: t.minority / evaluated,
        minorityProfileShare: t.minorityProfile / evaluated,
        accuracyListGuard: t.fallback,
      };
    }),
    trainingSeconds: (trainedAt - started) / 1000,
    rerankingSeconds: (finished - trainedAt) / 1000,
  };
}

/**
 * calibrationSweep in a worker thread (the built calibration-sweep.worker.js beside this file), so the caller's event
 * loop — the demo's replay — keeps running while it computes. Rejects with the worker's error.
 */
export function startCalibrationSweep(ratings: readonly MovieLensRating[], movies: readonly MovieLensMovie[], options: CalibrationSweepOptions): Promise<CalibrationSweep> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'calibration-sweep.worker.js'), { workerData: { ratings, movies, options } });
    worker.once('message', (sweep: CalibrationSweep) => {
      resolve(sweep);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the calibration sweep's worker exited with code ${code} before answering`)));
  });
}
