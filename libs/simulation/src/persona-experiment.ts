import { gaussian, mulberry32, randomIndex, sampleWithoutReplacement } from '@chorus/random';
import {
  DiagonalGaussianLogistic,
  itemFeatures,
  PersonaMixture,
  rocAuc,
  withItemIntercept,
  type PersonaOptions,
  type SparseVector,
} from '@chorus/reward';
import { SimulationInputError } from './simulation-input.error';

/**
 * The planted multi-persona experiment (issue #16 part 2): households and single-taste users, a seeded population of
 * its own (the planted population's tastes are distributions over liked categories, which one linear deviation can
 * hold at once; what it cannot hold is two tastes that disagree about the same items).
 *
 * - Items: `itemCount`, each with a primary category (weight 0.8) and another (0.2) of `categories`, and a quality
 *   ~ N(0, 0.5²) every user shares (the aggregate's item intercept learns it).
 * - A taste: a logit per category. `opposed` (default): the taste likes two random categories (+tasteSd) and dislikes
 *   two others (−tasteSd), the rest ~ N(0, 0.5²); a household's second member likes what the first dislikes and
 *   dislikes what it likes (the household the issue describes, whose blend serves neither). `independent`: every
 *   category ~ N(0, tasteSd²), the household's two tastes drawn independently. Utility of item i for a taste:
 *   quality_i + taste·w_i; the rating is y ~ Bernoulli(σ(utility)).
 * - Single-taste users: one taste. Households: two tastes, the larger with `largerShare` of the sessions; sessions
 *   have a geometric length of mean `sessionLength` events.
 * - Each event shows one item: half the time a uniformly drawn one, half the time the session's taste picks the best
 *   of a uniform slate of 10 (people rate what they chose as well as what they were shown).
 * - The users' events are interleaved in a seeded random order; one aggregate learns everything, and each user has
 *   both a single deviation and a persona mixture, learning the same events side by side (the aggregate's update does
 *   not depend on the user's model, so one aggregate serves both).
 *
 * Measures: recall of the smaller taste's top-20 items (by its true utility) in the user's top 20 by the
 * personalized score, over the whole catalogue, per household at the end; ROC AUC of the prequential scores on each
 * user's last 30% of events, pooled per kind.
 */
export interface PersonaExperimentOptions {
  seed?: number;
  categories?: number;
  itemCount?: number;
  singleUsers?: number;
  households?: number;
  eventsPerUser?: number;
  tasteSd?: number;
  tastes?: 'opposed' | 'independent';
  largerShare?: number;
  sessionLength?: number;
  /** τ², the prior variance of the single deviation and of every persona. */
  tau2?: number;
  /** Persona options beyond the prior (default: the library's defaults). */
  personas?: Omit<PersonaOptions, 'deviation'>;
}

export const DEFAULT_PERSONA_EXPERIMENT = {
  seed: 1,
  categories: 8,
  itemCount: 300,
  singleUsers: 60,
  households: 60,
  eventsPerUser: 400,
  tasteSd: 2.5,
  tastes: 'opposed',
  largerShare: 0.7,
  sessionLength: 5,
  tau2: 4,
  personas: { maxPersonas: 3 },
} as const satisfies Required<PersonaExperimentOptions>;

export interface PersonaExperimentResult {
  /** Mean recall@20 of the smaller taste's top 20, households. */
  recall: { single: number; personas: number };
  /** Prequential AUC on each user's last 30% of events, pooled. */
  auc: { singleTaste: { single: number; personas: number }; households: { single: number; personas: number } };
  /** Mean number of personas at the end. */
  personasPerUser: { singleTaste: number; households: number };
  /** Share of single-taste users that opened a second persona. */
  singleTasteOpened: number;
}

const TOP = 20;
const TAIL = 0.3;

export function runPersonaExperiment(options: PersonaExperimentOptions = {}): PersonaExperimentResult {
  const o = { ...DEFAULT_PERSONA_EXPERIMENT, ...options };
  for (const name of ['categories', 'itemCount', 'singleUsers', 'households', 'eventsPerUser'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new SimulationInputError(`persona experiment: ${name} is ${o[name]}; it must be an integer ≥ 1`);
  }
  if (o.itemCount < TOP * 2) throw new SimulationInputError(`persona experiment: itemCount is ${o.itemCount}; it must be at least ${TOP * 2} for a top-${TOP} recall`);
  if (!(o.largerShare >= 0.5 && o.largerShare < 1)) throw new SimulationInputError(`persona experiment: largerShare is ${o.largerShare}; it must be in [0.5, 1)`);
  if (!(o.sessionLength >= 1)) throw new SimulationInputError(`persona experiment: sessionLength is ${o.sessionLength}; it must be ≥ 1`);
  const random = mulberry32(o.seed);

  const categories = Array.from({ length: o.categories }, (_, g) => `g${g}`);
  const items = Array.from({ length: o.itemCount }, (_, index) => {
    const primary = randomIndex(random, o.categories);
    const other = (primary + 1 + randomIndex(random, o.categories - 1)) % o.categories;
    const weights = new Float64Array(o.categories);
    weights[primary] = o.categories > 1 ? 0.8 : 1;
    if (o.categories > 1) weights[other] = 0.2;
    const phi = itemFeatures({ categories: Object.fromEntries(categories.map((c, g) => [c, weights[g]!])) });
    return { weights, quality: 0.5 * gaussian(random), phi, aggregateX: withItemIntercept(phi, `i${index}`) };
  });
  if (o.tastes === 'opposed' && o.categories < 4) throw new SimulationInputError(`persona experiment: opposed tastes need at least 4 categories, got ${o.categories}`);
  const tastePair = (): [Float64Array, Float64Array] => {
    if (o.tastes === 'independent') return [0, 1].map(() => Float64Array.from(categories, () => o.tasteSd * gaussian(random))) as [Float64Array, Float64Array];
    const [like1, like2, dislike1, dislike2] = sampleWithoutReplacement(random, categories.map((_, g) => g), 4);
    const first = Float64Array.from(categories, () => 0.5 * gaussian(random));
    const second = Float64Array.from(categories, () => 0.5 * gaussian(random));
    for (const g of [like1!, like2!]) (first[g] = o.tasteSd), (second[g] = -o.tasteSd);
    for (const g of [dislike1!, dislike2!]) (first[g] = -o.tasteSd), (second[g] = o.tasteSd);
    return [first, second];
  };
  const utility = (t: Float64Array, item: (typeof items)[number]) => item.quality + t.reduce((sum, value, g) => sum + value * item.weights[g]!, 0);

  const users = [
    ...Array.from({ length: o.singleUsers }, () => ({ household: false, tastes: [tastePair()[0]] })),
    ...Array.from({ length: o.households }, () => ({ household: true, tastes: tastePair() })),
  ].map((user) => ({
    ...user,
    single: new DiagonalGaussianLogistic({ priorVariance: o.tau2 }),
    mixture: new PersonaMixture({ ...o.personas, deviation: { priorVariance: o.tau2 } }),
    active: 0,
    seen: 0,
  }));

  // The interleaved stream: each user appears eventsPerUser times, in a seeded random order.
  const order = users.flatMap((_, u) => Array.from({ length: o.eventsPerUser }, () => u));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }

  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const tail = { singleTaste: { single: [] as number[], personas: [] as number[], labels: [] as boolean[] }, households: { single: [] as number[], personas: [] as number[], labels: [] as boolean[] } };
  const switchProbability = 1 / o.sessionLength;
  for (const u of order) {
    const user = users[u]!;
    if (user.household && (user.seen === 0 || random() < switchProbability)) user.active = random() < o.largerShare ? 0 : 1;
    const active = user.tastes[user.active]!;
    let item = items[randomIndex(random, items.length)]!;
    if (random() < 0.5) {
      for (let k = 1; k < 10; k++) {
        const other = items[randomIndex(random, items.length)]!;
        if (utility(active, other) > utility(active, item)) item = other;
      }
    }
    const y = random() < 1 / (1 + Math.exp(-utility(active, item))) ? 1 : 0;
    // updateOnObservation's order for both user models: the offset is the aggregate's score before it learns the event.
    const offset = aggregate.update(item.aggregateX, y);
    const personalized = user.mixture.update(item.phi, y, 1, offset);
    const single = user.single.update(item.phi, y, 1, offset);
    if (user.seen >= o.eventsPerUser * (1 - TAIL)) {
      const bucket = user.household ? tail.households : tail.singleTaste;
      bucket.single.push(single);
      bucket.personas.push(personalized);
      bucket.labels.push(y === 1);
    }
    user.seen++;
  }

  // Recall@20 of the smaller taste's top 20 (households), over the whole catalogue.
  const recall = { single: 0, personas: 0 };
  const households = users.filter((user) => user.household);
  for (const user of households) {
    const smaller = user.tastes[1]!;
    const relevant = new Set(topIndexes(items.map((item) => utility(smaller, item)), TOP));
    const offsets = items.map((item) => aggregate.logit(item.aggregateX));
    const hits = (score: (x: SparseVector) => number) => topIndexes(items.map((item, i) => offsets[i]! + score(item.phi)), TOP).filter((i) => relevant.has(i)).length / TOP;
    recall.single += hits((x) => user.single.logit(x));
    recall.personas += hits((x) => user.mixture.logit(x));
  }
  recall.single /= households.length;
  recall.personas /= households.length;

  const auc = (bucket: typeof tail.singleTaste) => ({ single: rocAuc(bucket.single, bucket.labels), personas: rocAuc(bucket.personas, bucket.labels) });
  const meanPersonas = (household: boolean) => {
    const group = users.filter((user) => user.household === household);
    return group.reduce((sum, user) => sum + user.mixture.personas.length, 0) / group.length;
  };
  const singles = users.filter((user) => !user.household);
  return {
    recall,
    auc: { singleTaste: auc(tail.singleTaste), households: auc(tail.households) },
    personasPerUser: { singleTaste: meanPersonas(false), households: meanPersonas(true) },
    singleTasteOpened: singles.filter((user) => user.mixture.personas.length > 1).length / singles.length,
  };
}

function topIndexes(scores: readonly number[], k: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k)
    .map(({ index }) => index);
}
