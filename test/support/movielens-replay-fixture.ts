import { gaussian, mulberry32 } from '@chorus/random';
import type { ReplayReport } from '@chorus/report';
import { calibrationSweep, DEFAULT_CALIBRATION_SWEEP } from '../../scripts/movielens/calibration-sweep';
import { movieVectors, prequentialTauSweep } from '../../scripts/movielens/prequential-sweep';
import { buildReplayReport } from '../../scripts/movielens/replay-report';
import type { MovieLensMovie, MovieLensRating } from '../../scripts/movielens-reader';

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];

/**
 * A small seeded stand-in for MovieLens: users who like one or two genres rate movies in time order (a liked genre
 * adds 1.5 stars, noise sd 0.8, rounded to half stars in [0.5, 5]). Enough structure that personalization beats the
 * aggregate, small enough that the whole report is built in seconds.
 */
export function seededRatings(seed = 7, users = 60, movies = 150, perUser = 40): { ratings: MovieLensRating[]; movies: MovieLensMovie[] } {
  const random = mulberry32(seed);
  const catalogue: MovieLensMovie[] = Array.from({ length: movies }, (_, m) => {
    const first = GENRES[Math.floor(random() * GENRES.length)]!;
    const second = GENRES[Math.floor(random() * GENRES.length)]!;
    return { movieId: String(m + 1), title: `Movie ${m + 1}`, genres: [...new Set([first, second])] };
  });
  const ratings: MovieLensRating[] = [];
  for (let u = 1; u <= users; u++) {
    const liked = new Set([GENRES[Math.floor(random() * GENRES.length)]!, ...(random() < 0.4 ? [GENRES[Math.floor(random() * GENRES.length)]!] : [])]);
    const start = 1_000_000_000 + Math.floor(random() * 86_400 * 30);
    const seen = new Set<number>();
    for (let k = 0; k < perUser; k++) {
      let m = Math.floor(random() * movies);
      while (seen.has(m)) m = (m + 1) % movies;
      seen.add(m);
      const movie = catalogue[m]!;
      const stars = 2.5 + (movie.genres.some((g) => liked.has(g)) ? 1.5 : 0) + 0.8 * gaussian(random);
      ratings.push({ userId: String(u), movieId: movie.movieId, rating: Math.min(5, Math.max(0.5, Math.round(stars * 2) / 2)), timestamp: start + k * 3_600 + Math.floor(random() * 600) });
    }
  }
  return { ratings: ratings.sort((a, b) => a.timestamp - b.timestamp || Number(a.userId) - Number(b.userId)), movies: catalogue };
}

/**
 * The replay's report built from the seeded ratings through the demo's own code (buildReplayReport, the τ² and λ
 * sweeps). No services run: the "live" scores are the offline aggregate and τ² = 1, and the reranking and alert
 * figures are fixed numbers, so the browser check of the report needs no stack and takes seconds.
 */
export function seededReplayReport(seed = 7): ReplayReport {
  const { ratings, movies } = seededRatings(seed);
  const live = prequentialTauSweep(ratings, movieVectors(movies), [1]);
  return buildReplayReport({
    title: `MovieLens replay report — seeded fixture (seed ${seed})`,
    source: `seeded fixture, seed ${seed}`,
    ratingsInFile: ratings.length,
    ratings,
    movies,
    live: Array.from(live.labels, (label, i) => ({ label, pAggregate: live.aggregate[i]!, pPersonalized: live.personalized[0]![i]! })),
    fixedTau2: 1,
    reranking: { drained: true, lists: 42, users: 30, klBefore: 1.54, klAfter: 0.38, relevanceRetained: 0.97, minority: { lists: 20, profileShare: 0.21, before: 0.12, after: 0.19 } },
    alerts: [
      { scope: 'population', metric: 'mean-consumption-entropy', n: 3 },
      { scope: 'user', metric: 'consumption-entropy', n: 2 },
    ],
    drift: { userMinEvents: 30, populationPoints: 120, populationBuckets: 60, bucketSeconds: 3600 },
    run: { accepted: ratings.length, applied: ratings.length, deadLettered: 0, duplicates: 0, driftDeadLettered: 0, ingestSeconds: 1, driftCaughtUp: true, stopped: [] },
    startedAt: Date.now(),
    options: { seed, fixture: true },
    lambdaSweep: calibrationSweep(ratings, movies, { ...DEFAULT_CALIBRATION_SWEEP, minTrain: 5 }),
  });
}
