import { DiagonalGaussianLogistic, itemFeatures, ratingLabel, rocAuc, withItemIntercept, type SparseVector } from '@chorus/reward';
import type { MovieLensMovie, MovieLensRating } from '../movielens-reader';

const SCALE = { min: 0.5, max: 5 };
/** Ratings ≥ 4 are positive (the demo's, the learner's and the pooling experiment's label). */
const POSITIVE_AT = 4;
/** The fixed τ² values of the demo report's offline sweep; 0 is aggregate-only serving. */
export const DEFAULT_TAU2_SWEEP: readonly number[] = [0, 0.25, 0.5, 1, 2, 4, 8, 16];

export interface MovieVectors {
  readonly phi: SparseVector;
  readonly aggregateX: SparseVector;
}

/** Each movie's features as the learner builds them from the demo's import: genres as categories, plus the item intercept for the aggregate. */
export function movieVectors(movies: readonly MovieLensMovie[]): Map<string, MovieVectors> {
  const vectors = new Map<string, MovieVectors>();
  for (const movie of movies) {
    const phi = itemFeatures({ categories: Object.fromEntries(movie.genres.map((genre) => [genre, 1])) });
    vectors.set(movie.movieId, { phi, aggregateX: withItemIntercept(phi, movie.movieId) });
  }
  return vectors;
}

/** Prequential scores of a replay: one score per event, taken before the model learned it, and the events' labels. */
export interface PrequentialScores {
  readonly aggregate: Float64Array;
  /** Per τ² of the sweep, in its order. */
  readonly personalized: readonly Float64Array[];
  /** 1 = rated ≥ 4. */
  readonly labels: Uint8Array;
}

/**
 * The τ² sweep offline: the ratings in the order given (the replay's), each scored by the aggregate and by the
 * personalized model under every τ² of `tau2s` before either learns it, with the learner's models (libs/reward:
 * aggregate over genres + item intercepts with prior variance 1, a deviation per user with prior N(0, τ²), ratings
 * weighted by their distance from the scale's midpoint). One aggregate serves every τ² — its update does not depend on
 * τ² — so the sweep costs one aggregate and |tau2s| user updates per event, not |tau2s| replays. τ² = 0 is the
 * aggregate's own score (no deviation is possible).
 *
 * Unlike the live learner there is one aggregate (the learner keeps a shard per partition) and no learned τ²: the
 * sweep answers "what would a fixed τ² have scored on these events", beside what the live run scored.
 */
export function prequentialTauSweep(ratings: readonly MovieLensRating[], vectors: ReadonlyMap<string, MovieVectors>, tau2s: readonly number[]): PrequentialScores {
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const users = tau2s.map(() => new Map<string, DiagonalGaussianLogistic>());
  const scores = { aggregate: new Float64Array(ratings.length), personalized: tau2s.map(() => new Float64Array(ratings.length)), labels: new Uint8Array(ratings.length) };
  ratings.forEach((rating, index) => {
    const item = vectors.get(rating.movieId);
    if (!item) throw new Error(`rating of movie ${rating.movieId}, which movies.csv does not list`);
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    const offset = aggregate.update(item.aggregateX, y, weight);
    scores.aggregate[index] = offset;
    tau2s.forEach((tau2, k) => {
      if (tau2 === 0) {
        scores.personalized[k]![index] = offset;
        return;
      }
      let user = users[k]!.get(rating.userId);
      if (!user) users[k]!.set(rating.userId, (user = new DiagonalGaussianLogistic({ priorVariance: tau2 })));
      scores.personalized[k]![index] = user.update(item.phi, y, weight, offset);
    });
    scores.labels[index] = rating.rating >= POSITIVE_AT ? 1 : 0;
  });
  return scores;
}

/** ROC AUC of scores[from, to) against labels; null when the slice has only one class (AUC is undefined then). */
export function sliceAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, from = 0, to = scores.length): number | null {
  let positives = 0;
  for (let i = from; i < to; i++) positives += labels[i]!;
  if (positives === 0 || positives === to - from) return null;
  return rocAuc(Array.prototype.slice.call(scores, from, to) as number[], Array.prototype.slice.call(labels, from, to) as (0 | 1)[]);
}
