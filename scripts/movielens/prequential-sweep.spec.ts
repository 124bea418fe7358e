import { DiagonalGaussianLogistic, rocAuc, updateOnObservation } from '@chorus/reward';
import { describe, expect, it } from 'vitest';
import type { MovieLensMovie, MovieLensRating } from '../movielens-reader';
import { movieVectors, prequentialTauSweep, sliceAuc } from './prequential-sweep';

const movies: MovieLensMovie[] = [
  { movieId: '1', title: 'a', genres: ['Drama'] },
  { movieId: '2', title: 'b', genres: ['Comedy', 'Drama'] },
  { movieId: '3', title: 'c', genres: ['Horror'] },
];
// Two users with opposite tastes, interleaved in time.
const ratings: MovieLensRating[] = Array.from({ length: 30 }, (_, i) => {
  const user = i % 2 === 0 ? '1' : '2';
  const movieId = String((i % 3) + 1);
  const likes = user === '1' ? movieId !== '3' : movieId === '3';
  return { userId: user, movieId, rating: likes ? 4.5 : 1.5, timestamp: i };
});

/** The oracle: one replay per τ², each with its own aggregate, through updateOnObservation (the learner's step). */
function separateReplay(tau2: number): { aggregate: number[]; personalized: number[] } {
  const vectors = movieVectors(movies);
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const users = new Map<string, DiagonalGaussianLogistic>();
  const out = { aggregate: [] as number[], personalized: [] as number[] };
  for (const rating of ratings) {
    const item = vectors.get(rating.movieId)!;
    let user = users.get(rating.userId);
    if (!user) users.set(rating.userId, (user = new DiagonalGaussianLogistic({ priorVariance: tau2 })));
    // ratingLabel on [0.5, 5], worked by hand: positive from 3.875, weight 0.5 + |r − 2.75| / 4.5, so 4.5 → (1, 8/9)
    // and 1.5 → (0, 7/9).
    const [y, weight] = rating.rating === 4.5 ? [1, 8 / 9] : [0, 7 / 9];
    const logits = updateOnObservation(aggregate, user, { aggregateX: item.aggregateX, userX: item.phi, y, weight });
    out.aggregate.push(logits.aggregate);
    out.personalized.push(logits.personalized);
  }
  return out;
}

describe('prequentialTauSweep', () => {
  it('scores every τ² in one pass as separate replays of the learner’s step would', () => {
    const sweep = prequentialTauSweep(ratings, movieVectors(movies), [0, 1, 4]);
    const one = separateReplay(1);
    const four = separateReplay(4);
    expect(Array.from(sweep.aggregate)).toEqual(one.aggregate);
    expect(Array.from(sweep.personalized[0]!)).toEqual(one.aggregate);
    expect(Array.from(sweep.personalized[1]!)).toEqual(one.personalized);
    expect(Array.from(sweep.personalized[2]!)).toEqual(four.personalized);
    expect(Array.from(sweep.labels)).toEqual(ratings.map((r) => (r.rating >= 4 ? 1 : 0)));
    // Opposite tastes: the personal model learns what the aggregate cannot.
    expect(sliceAuc(sweep.personalized[2]!, sweep.labels, 10)).toBeGreaterThan(sliceAuc(sweep.aggregate, sweep.labels, 10)!);
  });

  it('names a movie the catalogue lacks', () => {
    expect(() => prequentialTauSweep([{ userId: '1', movieId: '9', rating: 4, timestamp: 0 }], movieVectors(movies), [1])).toThrow('rating of movie 9, which movies.csv does not list');
  });
});

describe('sliceAuc', () => {
  it('is rocAuc of the slice, and null when the slice holds one class', () => {
    const scores = [0.1, 0.9, 0.4, 0.8, 0.3];
    const labels = [0, 1, 1, 0, 1];
    expect(sliceAuc(scores, labels, 1, 5)).toBe(rocAuc([0.9, 0.4, 0.8, 0.3], [1, 1, 0, 1]));
    // Worked by hand: positives 0.9, 0.4, 0.3 against the negative 0.8 → 1 of 3 pairs ranked right.
    expect(sliceAuc(scores, labels, 1, 5)).toBeCloseTo(1 / 3, 12);
    expect(sliceAuc(scores, labels, 1, 3)).toBeNull();
    expect(sliceAuc([], [])).toBeNull();
  });
});
