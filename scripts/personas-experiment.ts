/**
 * Multi-persona users (issue #16 part 2) against today's single deviation, on the planted households and on
 * MovieLens latest-small.
 *
 *   npm run experiment:personas -- [--data <dir>] [--tau2 4] [--max-personas 3] [--seeds 1,2,3] [--no-movielens]
 *
 * Planted (`runPersonaExperiment` of @chorus/simulation, one run per seed): recall of the smaller taste's top-20 items
 * in the household's top 20, and prequential AUC on each user's last 30% of events, single-taste users and households.
 *
 * MovieLens (the demo's protocol, as experiment:pooling): every rating in time order is scored before either model
 * learns it, ratings ≥ 4 are positive, AUC on the last 10% in time. One aggregate (genres + item intercepts, prior
 * variance 1) gives the offset; each user has a single deviation and a persona mixture with the same prior τ², which
 * learn the same events side by side.
 */
import { resolve } from 'node:path';
import {
  DEFAULT_PERSONA_OPTIONS,
  DEFAULT_POOLING_GRID,
  DiagonalGaussianLogistic,
  POOLING_REFRESH_EVENTS,
  PoolingStrengthGrid,
  rebasedLogits,
  rebasedMixtureLogits,
  rebasePersonas,
  rebasePosterior,
  itemFeatures,
  PersonaMixture,
  ratingLabel,
  rocAuc,
  withItemIntercept,
} from '@chorus/reward';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { runPersonaExperiment } from '@chorus/simulation';
import { numberFlag, parseFlags, runCommand, UsageError } from './command-line';
import { inReplayOrder, readMovieLens } from './movielens-reader';

const SCALE = { min: 0.5, max: 5 };
const usage = 'usage: npm run experiment:personas -- [--data <dir>] [--tau2 4|learned] [--max-personas 3] [--seeds 1,2,3] [--no-movielens]';

function options() {
  const values = parseFlags(usage, {
    data: { type: 'string', default: resolve(__dirname, '..', '..', '..', 'shared', 'data', 'movielens-latest-small') },
    tau2: { type: 'string', default: '4' },
    'max-personas': { type: 'string', default: String(DEFAULT_PERSONA_OPTIONS.maxPersonas) },
    seeds: { type: 'string', default: '1,2,3' },
    'no-movielens': { type: 'boolean', default: false },
  });
  const learned = values.tau2 === 'learned';
  const tau2 = learned ? 4 : Number(values.tau2);
  if (values.tau2.trim() === '' || !(tau2 > 0) || !(tau2 <= MAX_PRIOR_VARIANCE)) throw new UsageError(`--tau2 must be a number in (0, ${MAX_PRIOR_VARIANCE}] or "learned", got "${values.tau2}"`);
  const maxPersonas = numberFlag('max-personas', values['max-personas'], { min: 1, max: 16, integer: true });
  const seeds = values.seeds.split(',').map((text) => {
    const seed = Number(text);
    if (text.trim() === '' || !Number.isInteger(seed) || seed < 0) throw new UsageError(`--seeds takes integers ≥ 0 separated by commas, got "${text}"`);
    return seed;
  });
  return { data: values.data, tau2, learned, maxPersonas, seeds, movielens: !values['no-movielens'] };
}

/**
 * The learner's learned pooling (`--tau2 learned`), for each of the two user models on its own: every event scored
 * under every τ² of DEFAULT_POOLING_GRID from the posterior the user keeps (rebasedLogits, rebasedMixtureLogits)
 * before it is learned, the leader re-read every POOLING_REFRESH_EVENTS events, a user rebased to it at their next
 * event (one partition).
 */
class LearnedTau2 {
  readonly evidence = new PoolingStrengthGrid(DEFAULT_POOLING_GRID);
  tau2 = this.evidence.leader();
  private events = 0;

  record(logits: ArrayLike<number>, y: number, weight: number): void {
    this.evidence.recordAll(logits, y, weight);
    if (++this.events % POOLING_REFRESH_EVENTS === 0) this.tau2 = this.evidence.leader();
  }
}

function movieLens(dir: string, fixedTau2: number | undefined, maxPersonas: number) {
  const learned = fixedTau2 === undefined ? { single: new LearnedTau2(), personas: new LearnedTau2() } : undefined;
  const data = readMovieLens(dir);
  const vectors = new Map(
    data.movies.map((movie) => {
      const phi = itemFeatures({ categories: Object.fromEntries(movie.genres.map((genre) => [genre, 1])) });
      return [movie.movieId, { phi, aggregateX: withItemIntercept(phi, movie.movieId) }] as const;
    }),
  );
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const users = new Map<string, { single: DiagonalGaussianLogistic; mixture: PersonaMixture; singleTau2: number; mixtureTau2: number }>();
  const ratings = inReplayOrder(data.ratings);
  const scores = { aggregate: new Float64Array(ratings.length), single: new Float64Array(ratings.length), personas: new Float64Array(ratings.length) };
  const labels: boolean[] = [];
  ratings.forEach((rating, index) => {
    const item = vectors.get(rating.movieId);
    if (!item) throw new Error(`rating of movie ${rating.movieId}, which movies.csv does not list`);
    let user = users.get(rating.userId);
    if (!user) {
      const [singleTau2, mixtureTau2] = learned ? [learned.single.tau2, learned.personas.tau2] : [fixedTau2!, fixedTau2!];
      user = {
        single: new DiagonalGaussianLogistic({ priorVariance: singleTau2 }),
        mixture: new PersonaMixture({ maxPersonas, deviation: { priorVariance: mixtureTau2 } }),
        singleTau2,
        mixtureTau2,
      };
      users.set(rating.userId, user);
    }
    const { y, weight } = ratingLabel(rating.rating, SCALE);
    if (learned) {
      const { single, personas } = learned;
      if (user.singleTau2 !== single.tau2) {
        user.single = DiagonalGaussianLogistic.fromJSON(rebasePosterior(user.single.toJSON(), user.singleTau2, single.tau2), { priorVariance: single.tau2 });
        user.singleTau2 = single.tau2;
      }
      if (user.mixtureTau2 !== personas.tau2) {
        user.mixture = PersonaMixture.fromJSON(rebasePersonas(user.mixture.toJSON(), user.mixtureTau2, personas.tau2), { maxPersonas, deviation: { priorVariance: personas.tau2 } });
        user.mixtureTau2 = personas.tau2;
      }
      const offset = aggregate.logit(item.aggregateX);
      const offsetVariance = aggregate.predictiveVariance(item.aggregateX);
      single.record(rebasedLogits(DEFAULT_POOLING_GRID, user.single, user.singleTau2, item.phi, offset, offsetVariance), y, weight);
      personas.record(rebasedMixtureLogits(DEFAULT_POOLING_GRID, user.mixture, user.mixtureTau2, item.phi, offset, offsetVariance), y, weight);
    }
    // updateOnObservation's order for both user models: the offset is the aggregate's score before it learns.
    const offset = aggregate.update(item.aggregateX, y, weight);
    scores.aggregate[index] = offset;
    scores.single[index] = user.single.update(item.phi, y, weight, offset);
    scores.personas[index] = user.mixture.update(item.phi, y, weight, offset);
    labels.push(rating.rating >= 4);
  });
  const auc = (values: Float64Array, from: number) => rocAuc(values.subarray(from), labels.slice(from));
  const tail = Math.floor(ratings.length * 0.9);
  const counts = [...users.values()].map((user) => user.mixture.personas.length);
  return {
    ratings: ratings.length,
    users: users.size,
    tail: { aggregate: auc(scores.aggregate, tail), single: auc(scores.single, tail), personas: auc(scores.personas, tail) },
    all: { single: auc(scores.single, 0), personas: auc(scores.personas, 0) },
    personasPerUser: counts.reduce((a, b) => a + b, 0) / counts.length,
    tau2AtEnd: learned ? { single: learned.single.tau2, personas: learned.personas.tau2 } : undefined,
    usersWithMore: counts.filter((count) => count > 1).length,
  };
}

function main(): void {
  const opts = options();
  const f = (x: number) => x.toFixed(3);
  const tau2Label = opts.learned ? 'learned' : String(opts.tau2);
  if (opts.learned) process.stdout.write(`[personas] planted households at τ² = ${opts.tau2} (learned τ² applies to MovieLens)\n`);
  else process.stdout.write(`[personas] planted households, τ² = ${opts.tau2}, K = ${opts.maxPersonas}\n`);
  process.stdout.write(`${'seed'.padEnd(6)}${'recall single'.padStart(14)}${'recall personas'.padStart(16)}${'ratio'.padStart(7)}${'AUC 1-taste single/personas'.padStart(29)}${'AUC household single/personas'.padStart(31)}${'personas 1-taste/household'.padStart(28)}\n`);
  for (const seed of opts.seeds) {
    const r = runPersonaExperiment({ seed, tau2: opts.tau2, personas: { maxPersonas: opts.maxPersonas } });
    process.stdout.write(
      `${String(seed).padEnd(6)}${f(r.recall.single).padStart(14)}${f(r.recall.personas).padStart(16)}${(r.recall.personas / r.recall.single).toFixed(2).padStart(7)}` +
        `${`${f(r.auc.singleTaste.single)} / ${f(r.auc.singleTaste.personas)}`.padStart(29)}${`${f(r.auc.households.single)} / ${f(r.auc.households.personas)}`.padStart(31)}` +
        `${`${r.personasPerUser.singleTaste.toFixed(2)} / ${r.personasPerUser.households.toFixed(2)}`.padStart(28)}\n`,
    );
  }
  if (!opts.movielens) return;
  const started = Date.now();
  const m = movieLens(opts.data, opts.learned ? undefined : opts.tau2, opts.maxPersonas);
  process.stdout.write(`\n[personas] MovieLens: ${m.ratings} ratings, ${m.users} users, τ² = ${tau2Label}, K = ${opts.maxPersonas} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const g = (x: number) => x.toFixed(4);
  process.stdout.write(`  AUC last 10%:   aggregate ${g(m.tail.aggregate)}, single deviation ${g(m.tail.single)}, personas ${g(m.tail.personas)}\n`);
  process.stdout.write(`  AUC all events: single deviation ${g(m.all.single)}, personas ${g(m.all.personas)}\n`);
  process.stdout.write(`  personas per user at the end: ${m.personasPerUser.toFixed(2)} (${m.usersWithMore} users with more than one)\n`);
  if (m.tau2AtEnd) process.stdout.write(`  learned τ² at the end: single deviation ${f(m.tau2AtEnd.single)}, personas ${f(m.tau2AtEnd.personas)}\n`);
}

runCommand('personas', usage, main);
